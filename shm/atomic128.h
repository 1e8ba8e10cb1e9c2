// A 16-byte compare-and-swap on an aligned pair of 64-bit words.
//
// GCC reports std::atomic<16 bytes> as not always lock-free even with -mcx16
// (it goes through libatomic, which may take a lock: useless across
// processes). This header uses the __sync builtin, which compiles to
// `lock cmpxchg16b` on x86-64 with -mcx16 (and to CASP/LDXP-STXP on arm64),
// on a word that lives in shared memory.
//
// Thread safety: any thread of any process may call these on the same word.
// Invariants:
//   1. The word is 16-byte aligned (ClaimWord guarantees it).
//   2. The CAS is a full barrier (at least acq_rel) on every supported CPU.
//   3. Callers check Cas128Supported() once before the first CAS; the segment
//      refuses to attach a producer on a CPU without the instruction.
#ifndef EVBUS_SHM_ATOMIC128_H_
#define EVBUS_SHM_ATOMIC128_H_

#include <cstdint>

#include "base/status.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

namespace evbus::shm {

struct alignas(16) Pair64 {
  std::uint64_t lo;  // ClaimWord::next_id
  std::uint64_t hi;  // ClaimWord::tail
};

// True when the CPU has a lock-free 16-byte CAS.
inline bool Cas128Supported() {
#if defined(__x86_64__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx & bit_CMPXCHG16B) != 0;
#elif defined(__aarch64__)
  return true;  // LDXP/STXP are part of ARMv8.0
#else
  return false;
#endif
}

inline Status CheckCas128() {
  if (Cas128Supported()) return Status::OK();
  return Status::Unavailable(
      "this CPU has no 16-byte compare-and-swap (cmpxchg16b); evbus producers need it: run on "
      "an x86-64 CPU with cx16 or on arm64");
}

// If *word == *expected, stores desired and returns true; otherwise loads the
// current value into *expected and returns false. Full barrier either way.
inline bool Cas128(Pair64* word, Pair64* expected, Pair64 desired) noexcept {
#if defined(__SANITIZE_THREAD__) && defined(__x86_64__)
  // ThreadSanitizer turns 16-byte atomic builtins into a read-compare-write
  // under a lock private to the process, which is not atomic against other
  // processes: two producers could claim the same id. The instruction itself
  // is invisible to TSan, as cross-process synchronisation is anyway.
  bool swapped;
  __asm__ __volatile__("lock cmpxchg16b %1"
                       : "=@ccz"(swapped), "+m"(*word), "+a"(expected->lo), "+d"(expected->hi)
                       : "b"(desired.lo), "c"(desired.hi)
                       : "memory");
  return swapped;
#else
  __extension__ typedef unsigned __int128 U;
  U exp = (static_cast<U>(expected->hi) << 64) | expected->lo;
  U des = (static_cast<U>(desired.hi) << 64) | desired.lo;
  U old = __sync_val_compare_and_swap(reinterpret_cast<U*>(word), exp, des);
  if (old == exp) return true;
  expected->lo = static_cast<std::uint64_t>(old);
  expected->hi = static_cast<std::uint64_t>(old >> 64);
  return false;
#endif
}

// Loads one half (each half only grows; callers combine halves knowing that).
inline std::uint64_t LoadHalfAcquire(const std::uint64_t* half) noexcept {
  return __atomic_load_n(half, __ATOMIC_ACQUIRE);
}

}  // namespace evbus::shm

#endif  // EVBUS_SHM_ATOMIC128_H_
