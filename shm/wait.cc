// Futex system calls on shared (not process-private) words, and joining
// and leaving sleeper sets.
#include "shm/wait.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>

#include "shm/atomic128.h"

namespace evbus::shm {

std::int64_t MonotonicNanos() noexcept {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void FutexWait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
               std::int64_t timeout_ns) noexcept {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000);
    tsp = &ts;
  }
  // FUTEX_WAIT without FUTEX_PRIVATE_FLAG: the word is in a shared mapping
  // and the waker may be another process. The timeout is relative.
  ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), FUTEX_WAIT, expected, tsp,
            nullptr, 0);
}

int FutexWakeAll(const std::atomic<std::uint32_t>* word) noexcept {
  const long woken = ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), FUTEX_WAKE,
                               INT_MAX, nullptr, nullptr, 0);
  return woken > 0 ? static_cast<int>(woken) : 0;
}

namespace {

// The set's {bits, version} pair as the 16-byte CAS sees it.
Pair64* SetPair(std::atomic<std::uint64_t>* set) noexcept { return reinterpret_cast<Pair64*>(set); }

// A first guess of the pair; the CAS corrects it if the halves disagree.
Pair64 GuessPair(const std::atomic<std::uint64_t>* set) noexcept {
  const auto* version = reinterpret_cast<const std::atomic<std::uint64_t>*>(
      reinterpret_cast<const char*>(set) + sizeof(std::uint64_t));
  return Pair64{set->load(std::memory_order_relaxed), version->load(std::memory_order_relaxed)};
}

}  // namespace

void JoinSleepers(Sleeper sleeper) noexcept {
  Pair64 cur = GuessPair(sleeper.set);
  // SYNC POINT WRITE: sleepers.join -- full barrier; with the fence after it,
  // a waker that fences after this sees the bit (wait.h invariant 1).
  while (!Cas128(SetPair(sleeper.set), &cur, Pair64{cur.lo | sleeper.bit, cur.hi + 1})) {
  }
}

bool LeaveSleepers(Sleeper sleeper) noexcept {
  Pair64 cur = GuessPair(sleeper.set);
  while (true) {
    if ((cur.lo & sleeper.bit) == 0) {
      // The guess may be stale: confirm with a CAS that changes nothing.
      if (Cas128(SetPair(sleeper.set), &cur, cur)) return false;
      if ((cur.lo & sleeper.bit) == 0) return false;
    }
    if (Cas128(SetPair(sleeper.set), &cur, Pair64{cur.lo & ~sleeper.bit, cur.hi + 1})) return true;
  }
}

void CpuRelax() noexcept {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

void YieldThread() noexcept { ::sched_yield(); }

}  // namespace evbus::shm
