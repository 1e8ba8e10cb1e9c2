// TeddyFilter: the SecretMatcher prefilter for many secret prefixes. It finds,
// 16 text positions per SSSE3 step, where the first K bytes (K = 2 or 3) may
// begin a secret, so the DFA only runs from those positions.
//
// Each distinct K-byte prefix goes into one of 8 buckets (one bit of a byte).
// For each prefix byte k there are two 16-entry tables, indexed by the low
// and by the high nibble of a text byte, that hold the buckets in which some
// prefix has that nibble at byte k. A text position p is a candidate when
//
//   AND over k < K of  lo_k[text[p+k] & 15] & hi_k[text[p+k] >> 4]  != 0
//
// `pshufb` looks up 16 positions at once (32 with AVX2's `vpshufb`, when the
// CPU has it). Every position where a prefix
// begins is a candidate (no false negative); a bucket that holds several
// prefixes also accepts mixtures of their nibbles (false positives, which the
// exact DFA step afterwards rejects). Tables for k >= K accept every byte, so
// the block step always reads three bytes per position.
//
// Thread safety: immutable after Build; const methods may run concurrently.
// Each scan keeps its own Cursor.
//
// Invariants:
//   1. After a successful Build, every distinct prefix of length K of the
//      secrets has its bucket bit set in lo_[k] and hi_[k] for every k < K,
//      and lo_[k], hi_[k] are all ones for K <= k < 3.
//   2. A Cursor's mask bit l is the candidate test of position base + l, for
//      the positions [base, end) of the last block (16 or 32 wide); bits for
//      positions > n - K are clear.
#ifndef EVBUS_CORE_SECRET_MATCHER_TEDDY_H_
#define EVBUS_CORE_SECRET_MATCHER_TEDDY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace evbus {

class TeddyFilter {
 public:
  static constexpr std::size_t kBuckets = 8;
  static constexpr std::size_t kMaxPrefixLength = 3;
  // Beyond this many distinct prefixes the buckets accept most text and the
  // filter stops paying for itself: with random alphanumeric 3-byte prefixes
  // it was 1.15x faster than the DFA alone at 48, 0.8x at 64 (on OpenHands
  // events; docs/redaction.md).
  static constexpr std::size_t kMaxPrefixes = 48;

  // True when this CPU has SSSE3 (checked once).
  static bool Supported() noexcept;

  // Builds the tables for the distinct, non-empty `patterns`. False (and the
  // filter unusable) when the shortest pattern is under 2 bytes, or there are
  // more than kMaxPrefixes distinct prefixes. `wide`: 32-byte AVX2 blocks
  // when the CPU has AVX2 (false: 16-byte SSSE3 blocks only, for tests).
  bool Build(const std::vector<std::string_view>& patterns, bool wide = true);
  // K: every pattern is at least this long; candidates compare K bytes.
  std::size_t prefix_length() const noexcept { return prefix_length_; }
  // True when Next uses 32-byte AVX2 blocks.
  bool wide() const noexcept { return wide_; }

  // The last block looked at, so that positions past a rejected candidate
  // are not looked at again.
  struct Cursor {
    std::size_t base = 0;  // the last block covered [base, end)
    std::size_t end = 0;
    std::uint32_t mask = 0;  // bit l: position base + l (Invariant 2)
  };
  // The first candidate position p >= i with p + K <= n; n when there is
  // none. Calls within one scan pass non-decreasing i. Requires Supported().
  std::size_t Next(const unsigned char* text, std::size_t n, std::size_t i,
                   Cursor* cursor) const noexcept;
  // The same test for one position p (p + K <= n), without SIMD.
  bool IsCandidate(const unsigned char* text, std::size_t p) const noexcept;

 private:
  std::size_t NextInBlocks(const unsigned char* text, std::size_t n, std::size_t i,
                           Cursor* cursor) const noexcept;
  // 32-byte blocks while they fit: true with *i the first candidate, or
  // false with *i the first position not looked at.
  bool NextInWideBlocks(const unsigned char* text, std::size_t n, std::size_t* i,
                        Cursor* cursor) const noexcept;

  alignas(16) std::array<std::array<unsigned char, 16>, kMaxPrefixLength> lo_{};
  alignas(16) std::array<std::array<unsigned char, 16>, kMaxPrefixLength> hi_{};
  std::size_t prefix_length_ = 0;  // 0: not built
  bool wide_ = false;              // AVX2 blocks first
};

}  // namespace evbus

#endif  // EVBUS_CORE_SECRET_MATCHER_TEDDY_H_
