// TeddyFilter's tables and its block step (secret_matcher_teddy.h).
//
// Buckets: with at most 8 distinct prefixes each has its own bucket and a
// candidate needs all K nibble pairs of one prefix. With more, the prefixes
// (sorted) are cut into 8 runs of neighbours: neighbours tend to share their
// leading bytes, so a bucket's tables stay sparse.
//
// The SSSE3 and AVX2 code is compiled for those targets only (no -m flags
// for the whole build) and chosen at run time: AVX2's 32-byte blocks while
// 34 bytes remain, then SSSE3's 16-byte ones. CPUs without SSSE3 never call
// it (SecretMatcher falls back to the DFA); IsCandidate is the same test in
// scalar form, for tests.
#include "core/secret_matcher_teddy.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EVBUS_TEDDY_X86 1
#endif

namespace evbus {
namespace {

#if defined(EVBUS_TEDDY_X86)
struct Tables {
  __m128i lo[TeddyFilter::kMaxPrefixLength];
  __m128i hi[TeddyFilter::kMaxPrefixLength];
};

// The buckets whose prefix byte k may be each byte of v.
__attribute__((target("ssse3"), always_inline)) inline __m128i Buckets(__m128i lo, __m128i hi,
                                                                       __m128i v) {
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m128i low = _mm_and_si128(v, nibble);
  const __m128i high = _mm_and_si128(_mm_srli_epi16(v, 4), nibble);
  return _mm_and_si128(_mm_shuffle_epi8(lo, low), _mm_shuffle_epi8(hi, high));
}

// Bit l set: position l of the 16 starting at `p` is a candidate. Reads
// p[0, 18).
__attribute__((target("ssse3"), always_inline)) inline std::uint32_t BlockMask(
    const Tables& t, const unsigned char* p) {
  const auto* at = reinterpret_cast<const __m128i*>(p);
  static_assert(TeddyFilter::kMaxPrefixLength == 3);
  const __m128i b0 = Buckets(t.lo[0], t.hi[0], _mm_loadu_si128(at));
  const __m128i b1 =
      Buckets(t.lo[1], t.hi[1], _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1)));
  const __m128i b2 =
      Buckets(t.lo[2], t.hi[2], _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 2)));
  const __m128i all = _mm_and_si128(b0, _mm_and_si128(b1, b2));
  const int none = _mm_movemask_epi8(_mm_cmpeq_epi8(all, _mm_setzero_si128()));
  return ~static_cast<std::uint32_t>(none) & 0xffffu;
}

// Buckets for 32 bytes, with the tables in both 128-bit lanes (vpshufb
// looks up within a lane).
__attribute__((target("avx2"), always_inline)) inline __m256i Buckets(__m256i lo, __m256i hi,
                                                                      __m256i v) {
  const __m256i nibble = _mm256_set1_epi8(0x0f);
  const __m256i low = _mm256_and_si256(v, nibble);
  const __m256i high = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
  return _mm256_and_si256(_mm256_shuffle_epi8(lo, low), _mm256_shuffle_epi8(hi, high));
}

bool HaveAvx2() noexcept {
  static const bool have = __builtin_cpu_supports("avx2") != 0;
  return have;
}
#endif

}  // namespace

bool TeddyFilter::Supported() noexcept {
#if defined(EVBUS_TEDDY_X86)
  static const bool supported = __builtin_cpu_supports("ssse3") != 0;
  return supported;
#else
  return false;
#endif
}

bool TeddyFilter::Build(const std::vector<std::string_view>& patterns, bool wide) {
#if defined(EVBUS_TEDDY_X86)
  wide_ = wide && HaveAvx2();
#else
  (void)wide;  // no AVX2 blocks off x86
  wide_ = false;
#endif
  prefix_length_ = 0;
  if (patterns.empty()) return false;
  std::size_t k = kMaxPrefixLength;
  for (std::string_view p : patterns) k = std::min(k, p.size());
  if (k < 2) return false;

  std::vector<std::string_view> prefixes;
  for (std::string_view p : patterns) prefixes.push_back(p.substr(0, k));
  std::sort(prefixes.begin(), prefixes.end());
  prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  if (prefixes.size() > kMaxPrefixes) return false;

  for (std::size_t j = 0; j < kMaxPrefixLength; ++j) {
    const unsigned char fill = j < k ? 0 : 0xff;  // Invariant 1: k >= K accepts all
    lo_[j].fill(fill);
    hi_[j].fill(fill);
  }
  const std::size_t count = prefixes.size();
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t bucket = i * kBuckets / std::max(count, kBuckets);
    const auto bit = static_cast<unsigned char>(1u << bucket);
    for (std::size_t j = 0; j < k; ++j) {
      const auto byte = static_cast<unsigned char>(prefixes[i][j]);
      lo_[j][byte & 15u] = static_cast<unsigned char>(lo_[j][byte & 15u] | bit);
      hi_[j][byte >> 4] = static_cast<unsigned char>(hi_[j][byte >> 4] | bit);
    }
  }
  prefix_length_ = k;
  return true;
}

bool TeddyFilter::IsCandidate(const unsigned char* text, std::size_t p) const noexcept {
  unsigned char all = 0xff;
  for (std::size_t j = 0; j < prefix_length_; ++j) {
    const unsigned char byte = text[p + j];
    all = static_cast<unsigned char>(all & lo_[j][byte & 15u] & hi_[j][byte >> 4]);
  }
  return all != 0;
}

std::size_t TeddyFilter::Next(const unsigned char* text, std::size_t n, std::size_t i,
                              Cursor* cursor) const noexcept {
  const std::size_t k = prefix_length_;
  if (i + k > n) return n;
  if (i < cursor->end) {  // i >= cursor->base: calls never go back
    const std::uint32_t rest = cursor->mask >> (i - cursor->base);
    if (rest != 0) return i + static_cast<std::size_t>(__builtin_ctz(rest));
    i = cursor->end;
    if (i + k > n) return n;
  }
  if (wide_ && NextInWideBlocks(text, n, &i, cursor)) return i;
  return NextInBlocks(text, n, i, cursor);
}

#if defined(EVBUS_TEDDY_X86)
__attribute__((target("ssse3"))) std::size_t TeddyFilter::NextInBlocks(
    const unsigned char* text, std::size_t n, std::size_t i, Cursor* cursor) const noexcept {
  Tables t;
  for (std::size_t j = 0; j < kMaxPrefixLength; ++j) {
    t.lo[j] = _mm_load_si128(reinterpret_cast<const __m128i*>(lo_[j].data()));
    t.hi[j] = _mm_load_si128(reinterpret_cast<const __m128i*>(hi_[j].data()));
  }
  constexpr std::size_t kReach = 16 + kMaxPrefixLength - 1;  // bytes one block reads
  std::uint32_t mask = 0;
  for (; i + kReach <= n; i += 16) {
    mask = BlockMask(t, text + i);
    if (mask != 0) break;
  }
  if (mask == 0) {
    // The last positions [i, n - K]: fewer than 16, from a zero-padded copy
    // (lanes past n - K read padding and are cleared).
    const std::size_t k = prefix_length_;
    if (i + k > n) return n;
    unsigned char padded[kReach + 16] = {};
    std::memcpy(padded, text + i, n - i);
    mask = BlockMask(t, padded) & ((1u << (n - k + 1 - i)) - 1u);
    if (mask == 0) return n;
  }
  *cursor = {i, i + 16, mask};
  return i + static_cast<std::size_t>(__builtin_ctz(mask));
}

__attribute__((target("avx2"))) bool TeddyFilter::NextInWideBlocks(const unsigned char* text,
                                                                   std::size_t n, std::size_t* i,
                                                                   Cursor* cursor) const noexcept {
  __m256i lo[kMaxPrefixLength];
  __m256i hi[kMaxPrefixLength];
  for (std::size_t j = 0; j < kMaxPrefixLength; ++j) {
    lo[j] = _mm256_broadcastsi128_si256(
        _mm_load_si128(reinterpret_cast<const __m128i*>(lo_[j].data())));
    hi[j] = _mm256_broadcastsi128_si256(
        _mm_load_si128(reinterpret_cast<const __m128i*>(hi_[j].data())));
  }
  static_assert(kMaxPrefixLength == 3);
  // 32 positions per step, each block reads text[at, at + 34).
  for (std::size_t at = *i; at + 32 + kMaxPrefixLength - 1 <= n; at += 32) {
    const unsigned char* p = text + at;
    const __m256i b0 =
        Buckets(lo[0], hi[0], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
    const __m256i b1 =
        Buckets(lo[1], hi[1], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1)));
    const __m256i b2 =
        Buckets(lo[2], hi[2], _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 2)));
    const __m256i all = _mm256_and_si256(b0, _mm256_and_si256(b1, b2));
    const auto none = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(all, _mm256_setzero_si256())));
    *i = at + 32;
    if (none != 0xffffffffu) {
      *cursor = {at, at + 32, ~none};
      *i = at + static_cast<std::size_t>(__builtin_ctz(~none));
      return true;
    }
  }
  return false;
}
#else
std::size_t TeddyFilter::NextInBlocks(const unsigned char* text, std::size_t n, std::size_t i,
                                      Cursor*) const noexcept {
  for (; i + prefix_length_ <= n; ++i) {
    if (IsCandidate(text, i)) return i;
  }
  return n;
}

bool TeddyFilter::NextInWideBlocks(const unsigned char*, std::size_t, std::size_t*,
                                   Cursor*) const noexcept {
  return false;
}
#endif

}  // namespace evbus
