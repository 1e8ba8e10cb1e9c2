// CRC32C by folding with carry-less multiplication (VPCLMULQDQ on 512-bit
// registers): 64 bytes per instruction pair instead of the crc32
// instruction's 8, so a 512-byte record costs about half of the three
// crc32 streams of shm/crc32c.cc, and 4 KiB about 0.4.
//
// The arithmetic (reflected bit order, as CRC32C is defined). A 128-bit lane
// loaded from memory is the polynomial X = H x^64 + L, where H is its low
// 64-bit half (the earlier bytes: the higher powers) and L its high half;
// bit i of a 64-bit half stands for x^(63-i). The CRC register of a message
// M from state 0 is M x^32 mod P, so any X congruent to the message mod P
// gives the same CRC, and X need never be reduced until the end.
//  - Folding a lane forward over D bits of following data:
//      X x^D = H x^(64+D) + L x^D == H (x^(64+D) mod P) + L (x^D mod P).
//    A carry-less product of two reflected 64-bit values lands one bit short
//    of the 128-bit reflected place (bit k stands for x^(126-k)), so the
//    constants are taken one power lower: x^(63+D) mod P and x^(D-1) mod P.
//  - Four 512-bit accumulators take 256 bytes a round: each lane folds over
//    2048 bits onto the same lane of the next round. At the end they fold
//    onto the last one (1536, 1024, 512 bits), then 64-byte blocks one at a
//    time (512), then the four lanes onto the last lane (384, 256, 128).
//  - The last 128 bits become the register with two crc32 instructions:
//    crc32(crc32(0, H), L) = (H x^64 + L) x^32 mod P.
//  - A start state c is XORed into the first 32 bits of the data: feeding M
//    from c gives c x^|M| + M x^32, which is the CRC of M with c added at its
//    first 32 bits.
// The constants are computed at compile time from the polynomial; tests
// compare every length and alignment with the table implementation.
#include "shm/crc32c_fold.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace evbus::shm::crc32c::fold {

#if defined(__x86_64__)
// GCC 12's AVX-512 intrinsics pass an "undefined" vector it then warns about
// (GCC bug 105593, fixed in 13); nothing here reads an uninitialised value.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
namespace {

constexpr std::uint64_t kPolynomial33 = 0x11EDC6F41;  // Castagnoli, normal order, with x^32

// x^n mod P in normal order (bit e stands for x^e).
constexpr std::uint32_t PowerModP(std::size_t n) {
  std::uint64_t r = 1;
  for (std::size_t i = 0; i < n; ++i) {
    r <<= 1;
    if ((r >> 32) & 1) r ^= kPolynomial33;
  }
  return static_cast<std::uint32_t>(r);
}

// A polynomial of degree < 32 as a reflected 64-bit operand (x^e at bit 63-e).
constexpr std::uint64_t Reflected(std::uint32_t k) {
  std::uint64_t q = 0;
  for (int e = 0; e < 32; ++e) {
    if ((k >> e) & 1) q |= std::uint64_t{1} << (63 - e);
  }
  return q;
}

// The multipliers that fold a 128-bit lane over `bits` bits: `lo` for its
// low half (H), `hi` for its high half (L).
struct Key {
  std::uint64_t lo, hi;
};
constexpr Key KeyFor(std::size_t bits) {
  return Key{Reflected(PowerModP(bits + 63)), Reflected(PowerModP(bits - 1))};
}

constexpr Key k2048 = KeyFor(2048), k1536 = KeyFor(1536), k1024 = KeyFor(1024), k512 = KeyFor(512),
              k384 = KeyFor(384), k256 = KeyFor(256), k128 = KeyFor(128);

#define EVBUS_FOLD_TARGET __attribute__((target("avx512f,vpclmulqdq,avx2,sse4.2")))

EVBUS_FOLD_TARGET inline __m512i Keys(Key k) {
  const auto lo = static_cast<long long>(k.lo), hi = static_cast<long long>(k.hi);
  return _mm512_set_epi64(hi, lo, hi, lo, hi, lo, hi, lo);
}

EVBUS_FOLD_TARGET inline __m512i Load(const unsigned char* p) { return _mm512_loadu_si512(p); }

// Every lane of x folded forward by the keys' distance, XORed with `data`.
EVBUS_FOLD_TARGET inline __m512i Fold(__m512i x, __m512i keys, __m512i data) {
  const __m512i high = _mm512_clmulepi64_epi128(x, keys, 0x00);
  const __m512i low = _mm512_clmulepi64_epi128(x, keys, 0x11);
  return _mm512_ternarylogic_epi64(high, low, data, 0x96);  // three-way XOR
}

// Four lanes of 128 bits, in memory order, to the register after them.
EVBUS_FOLD_TARGET inline std::uint32_t Finish(__m512i x) {
  const __m512i lane_keys =
      _mm512_set_epi64(0, 0, static_cast<long long>(k128.hi), static_cast<long long>(k128.lo),
                       static_cast<long long>(k256.hi), static_cast<long long>(k256.lo),
                       static_cast<long long>(k384.hi), static_cast<long long>(k384.lo));
  // Lanes 0-2 folded onto lane 3's place (its own keys are zero: it stays).
  const __m512i t = Fold(x, lane_keys, _mm512_maskz_mov_epi64(0xC0, x));
  // XOR of the four lanes, in lane 0: halves swapped, then pairs swapped.
  const __m512i h = _mm512_xor_si512(t, _mm512_shuffle_i64x2(t, t, 0x4E));
  const __m128i q = _mm512_castsi512_si128(_mm512_xor_si512(h, _mm512_shuffle_i64x2(h, h, 0xB1)));
  const std::uint64_t c = _mm_crc32_u64(0, static_cast<std::uint64_t>(_mm_cvtsi128_si64(q)));
  return static_cast<std::uint32_t>(
      _mm_crc32_u64(c, static_cast<std::uint64_t>(_mm_extract_epi64(q, 1))));
}

EVBUS_FOLD_TARGET std::uint32_t FoldHardware(std::uint32_t raw, const unsigned char*& p,
                                             std::size_t& n) noexcept {
  __m512i x0 = _mm512_xor_si512(Load(p), _mm512_set_epi64(0, 0, 0, 0, 0, 0, 0, raw));
  __m512i x1 = Load(p + 64), x2 = Load(p + 128), x3 = Load(p + 192);
  p += 256;
  n -= 256;
  const __m512i round = Keys(k2048);
  for (; n >= 256; p += 256, n -= 256) {
    x0 = Fold(x0, round, Load(p));
    x1 = Fold(x1, round, Load(p + 64));
    x2 = Fold(x2, round, Load(p + 128));
    x3 = Fold(x3, round, Load(p + 192));
  }
  const __m512i zero = _mm512_setzero_si512();
  __m512i x = _mm512_ternarylogic_epi64(Fold(x0, Keys(k1536), zero), Fold(x1, Keys(k1024), zero),
                                        Fold(x2, Keys(k512), x3), 0x96);
  const __m512i block = Keys(k512);
  for (; n >= 64; p += 64, n -= 64) x = Fold(x, block, Load(p));
  return Finish(x);
}

#undef EVBUS_FOLD_TARGET
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace

bool Supported() noexcept {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq") &&
         __builtin_cpu_supports("avx2") && __builtin_cpu_supports("sse4.2");
}

std::uint32_t FoldPrefix(std::uint32_t raw, const unsigned char*& p, std::size_t& n) noexcept {
  return FoldHardware(raw, p, n);
}

#else

bool Supported() noexcept { return false; }

std::uint32_t FoldPrefix(std::uint32_t raw, const unsigned char*&, std::size_t&) noexcept {
  return raw;  // never called: Supported() is false
}

#endif

}  // namespace evbus::shm::crc32c::fold
