// CRC32C: slicing-by-4 tables built at compile time, and the SSE4.2 crc32
// instruction selected at run time (no -msse4.2 needed for the whole build).
//
// The hardware path runs three independent crc32 streams over three adjacent
// blocks of one buffer, because the instruction's latency (3 cycles) is three
// times its throughput (1 per cycle): one stream leaves two thirds of the unit
// idle. The three partial CRCs are then joined with "shift" tables: CRC
// arithmetic is linear, so for the raw register (no pre/post inversion)
//   crc(init, A || B) = Shift_|B|(crc(init, A)) ^ crc(0, B)
// where Shift_L(c) is the register after feeding L zero bytes from state c.
// Shift_L is linear in c, so it is four table lookups, one per byte of c.
//
// Buffers of 256 bytes and more go to the carry-less folding path
// (shm/crc32c_fold.cc) on CPUs with AVX-512 VPCLMULQDQ; its tail of under 64
// bytes comes back here.
#include "shm/crc32c.h"

#include <array>
#include <cstring>

#include "shm/crc32c_fold.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <nmmintrin.h>
#endif

namespace evbus::shm::crc32c {
namespace {

constexpr std::uint32_t kPolynomial = 0x82F63B78;  // reflected Castagnoli

using Tables = std::array<std::array<std::uint32_t, 256>, 4>;

constexpr Tables MakeTables() {
  Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolynomial : c >> 1;
    t[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i) {
    for (std::size_t s = 1; s < 4; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
  return t;
}

constexpr Tables kTables = MakeTables();

// The raw register after `zeros` zero bytes, one byte at a time (slow; only
// used at compile time to build the shift tables).
constexpr std::uint32_t FeedZeros(std::uint32_t c, std::size_t zeros) {
  for (std::size_t i = 0; i < zeros; ++i) c = (c >> 8) ^ kTables[0][c & 0xFF];
  return c;
}

// shift[k][b] = Shift_L(b << 8k): the images of every byte value in every
// byte position, so that Shift_L(c) is the XOR of four lookups.
constexpr Tables MakeShiftTables(std::size_t zeros) {
  std::array<std::uint32_t, 32> basis{};
  for (std::size_t bit = 0; bit < 32; ++bit) basis[bit] = FeedZeros(1u << bit, zeros);
  Tables t{};
  for (std::size_t k = 0; k < 4; ++k) {
    for (std::uint32_t b = 0; b < 256; ++b) {
      std::uint32_t image = 0;
      for (std::size_t bit = 0; bit < 8; ++bit) {
        if ((b >> bit) & 1u) image ^= basis[8 * k + bit];
      }
      t[k][b] = image;
    }
  }
  return t;
}

inline std::uint32_t Shift(const Tables& shift, std::uint32_t c) noexcept {
  return shift[0][c & 0xFF] ^ shift[1][(c >> 8) & 0xFF] ^ shift[2][(c >> 16) & 0xFF] ^
         shift[3][c >> 24];
}

#if defined(__x86_64__)
// Block sizes of the three-stream loop (multiples of 8), largest first: the
// join costs about as much as 16 bytes of one stream, so long blocks amortise
// it best and short ones still pay off from 3 x 64 bytes on.
constexpr std::size_t kLongBlock = 4096;
constexpr std::size_t kMediumBlock = 512;
constexpr std::size_t kShortBlock = 64;
constexpr Tables kShiftLong = MakeShiftTables(kLongBlock);
constexpr Tables kShiftMedium = MakeShiftTables(kMediumBlock);
constexpr Tables kShiftShort = MakeShiftTables(kShortBlock);

inline std::uint64_t Load64(const unsigned char* p) noexcept {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

// Consumes 3 x kBlock bytes at a time while that many remain; `c` is the raw
// register before and after.
template <std::size_t kBlock>
__attribute__((target("sse4.2"))) inline std::uint32_t ThreeStreams(std::uint32_t c,
                                                                    const Tables& shift,
                                                                    const unsigned char*& p,
                                                                    std::size_t& n) noexcept {
  static_assert(kBlock % 8 == 0, "blocks are whole 8-byte words");
  while (n >= 3 * kBlock) {
    std::uint64_t a = c, b = 0, d = 0;
    for (std::size_t i = 0; i < kBlock; i += 8) {
      a = _mm_crc32_u64(a, Load64(p + i));
      b = _mm_crc32_u64(b, Load64(p + kBlock + i));
      d = _mm_crc32_u64(d, Load64(p + 2 * kBlock + i));
    }
    const auto joined = Shift(shift, static_cast<std::uint32_t>(a)) ^ static_cast<std::uint32_t>(b);
    c = Shift(shift, joined) ^ static_cast<std::uint32_t>(d);
    p += 3 * kBlock;
    n -= 3 * kBlock;
  }
  return c;
}

__attribute__((target("sse4.2"))) std::uint32_t ExtendHardware(std::uint32_t init_crc,
                                                               const void* data,
                                                               std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~init_crc;
  while (n > 0 && (reinterpret_cast<std::uintptr_t>(p) & 7) != 0) {
    c = _mm_crc32_u8(c, *p++);
    --n;
  }
  c = ThreeStreams<kLongBlock>(c, kShiftLong, p, n);
  c = ThreeStreams<kMediumBlock>(c, kShiftMedium, p, n);
  c = ThreeStreams<kShortBlock>(c, kShiftShort, p, n);
  std::uint64_t c64 = c;
  while (n >= 8) {
    c64 = _mm_crc32_u64(c64, Load64(p));
    p += 8;
    n -= 8;
  }
  c = static_cast<std::uint32_t>(c64);
  while (n > 0) {
    c = _mm_crc32_u8(c, *p++);
    --n;
  }
  return ~c;
}

bool DetectSse42() noexcept {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  return (ecx & bit_SSE4_2) != 0;
}

const bool kHaveSse42 = DetectSse42();
const bool kHaveFold = kHaveSse42 && fold::Supported();

std::uint32_t ExtendFolded(std::uint32_t init_crc, const void* data, std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  const std::uint32_t raw = fold::FoldPrefix(~init_crc, p, n);
  return n == 0 ? ~raw : ExtendHardware(~raw, p, n);
}
#endif

}  // namespace

std::uint32_t ExtendPortable(std::uint32_t init_crc, const void* data, std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint32_t c = ~init_crc;
  while (n >= 4) {
    std::uint32_t word;
    std::memcpy(&word, p, 4);  // little-endian hosts only (x86-64, arm64 LE)
    c ^= word;
    c = kTables[3][c & 0xFF] ^ kTables[2][(c >> 8) & 0xFF] ^ kTables[1][(c >> 16) & 0xFF] ^
        kTables[0][c >> 24];
    p += 4;
    n -= 4;
  }
  while (n > 0) {
    c = (c >> 8) ^ kTables[0][(c ^ *p++) & 0xFF];
    --n;
  }
  return ~c;
}

std::uint32_t Extend(std::uint32_t init_crc, const void* data, std::size_t n) noexcept {
#if defined(__x86_64__)
  if (kHaveFold && n >= fold::kMinBytes) return ExtendFolded(init_crc, data, n);
  if (kHaveSse42) return ExtendHardware(init_crc, data, n);
#endif
  return ExtendPortable(init_crc, data, n);
}

bool Supports(Path path) noexcept {
  switch (path) {
    case Path::kPortable:
      return true;
#if defined(__x86_64__)
    case Path::kCrc32Instruction:
      return kHaveSse42;
    case Path::kCarrylessFold:
      return kHaveFold;
#endif
    default:
      return false;
  }
}

std::uint32_t ExtendWith(Path path, std::uint32_t init_crc, const void* data,
                         std::size_t n) noexcept {
#if defined(__x86_64__)
  if (path == Path::kCarrylessFold && kHaveFold && n >= fold::kMinBytes)
    return ExtendFolded(init_crc, data, n);
  if (path != Path::kPortable && kHaveSse42) return ExtendHardware(init_crc, data, n);
#endif
  return ExtendPortable(init_crc, data, n);
}

}  // namespace evbus::shm::crc32c
