// SecretMatcher: finds every occurrence of a set of byte strings (secret
// values) in one pass, leftmost match first and, at that position, the longest.
//
// Built once as an Aho-Corasick automaton compiled to a dense DFA over byte
// equivalence classes (bytes that occur in no secret share one class), so a
// scan costs two table loads per byte whatever the number of secrets. States
// are renumbered so that every state where some secret ends comes after all
// others: the hot loop tests one integer compare per byte.
//
// Thread safety: immutable after construction; any number of threads may call
// the const methods concurrently.
//
// Invariants:
//   1. State 0 is the start state; transition offsets are premultiplied by the
//      number of classes, so state s's row starts at trans_[s].
//   2. A state is a match state (some secret is a suffix of the text read)
//      iff its offset is >= first_match_offset_.
//   3. depth_[id] is the length of the longest suffix of the text read that is
//      a prefix of some secret; match_len_[id] the longest secret ending here.
#ifndef EVBUS_CORE_SECRET_MATCHER_H_
#define EVBUS_CORE_SECRET_MATCHER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_matcher_teddy.h"

namespace evbus {

// A match of one secret: text[begin, begin + length). length == 0: no match.
struct SecretMatch {
  std::size_t begin = 0;
  std::size_t length = 0;
  bool found() const { return length != 0; }
};

class SecretMatcher {
 public:
  using State = std::uint32_t;

  // How a scan skips text that cannot begin a secret (see "Prefilters"
  // below). Every choice finds exactly the same matches.
  enum class Prefilter : std::uint8_t {
    kAuto,         // the fastest that applies (constructor only)
    kNone,         // the DFA over every byte
    kPrefixPairs,  // SSE2 compare against <= 4 two-byte prefixes
    kTeddy,        // SSSE3 nibble buckets over 2-3 byte prefixes
  };

  // Empty values are ignored, duplicates collapse. The table costs about
  // 4 * (total bytes of distinct values) * (distinct bytes in them) bytes;
  // callers bound the input (see Redactor::kMaxTotalSecretBytes). `want`
  // other than kAuto is for tests and benchmarks: when it cannot apply to
  // these values (or this CPU) the matcher uses kNone.
  explicit SecretMatcher(const std::vector<std::string>& values, Prefilter want = Prefilter::kAuto);
  SecretMatcher() : SecretMatcher(std::vector<std::string>{}) {}

  // The prefilter in use: kNone, kPrefixPairs or kTeddy.
  Prefilter prefilter() const noexcept { return prefilter_; }

  bool empty() const noexcept { return pattern_count_ == 0; }
  std::size_t pattern_count() const noexcept { return pattern_count_; }
  std::size_t class_count() const noexcept { return stride_; }
  // True when `byte` occurs in some secret.
  bool UsesByte(unsigned char byte) const noexcept { return stride_ == 256 || classes_[byte] != 0; }

  // The leftmost-longest match that begins at or after `from`.
  SecretMatch Find(std::string_view text, std::size_t from = 0) const noexcept;

  // True when some secret occurs in `text`.
  bool Contains(std::string_view text) const noexcept {
    return !empty() && IsMatch(Feed(start_state(), text));
  }

  // Appends `in` to *out with every leftmost-longest, non-overlapping match
  // replaced by `replacement` (which is never rescanned). Returns the number
  // of replacements.
  std::size_t Replace(std::string_view in, std::string_view replacement, std::string* out) const;
  // The same, given `first` == Find(in) (found), when the caller has it.
  std::size_t ReplaceFrom(std::string_view in, SecretMatch first, std::string_view replacement,
                          std::string* out) const;

  // Streaming, for text that arrives in pieces (e.g. decoded JSON escapes):
  // state = Feed(state, piece) ... then IsMatch(state). Feed stops early and
  // returns a match state as soon as a secret has been seen.
  State start_state() const noexcept { return 0; }
  bool IsMatch(State state) const noexcept { return state >= first_match_offset_; }
  State Feed(State state, std::string_view piece) const noexcept;

  // Texts at least this long (and 8 x the longest secret) are scanned as four
  // interleaved streams, which hides the latency of the dependent table loads.
  static constexpr std::size_t kMultiStreamMinBytes = 256;

 private:
  static constexpr std::size_t kNoMatch = static_cast<std::size_t>(-1);
  struct ScanResult {
    std::size_t match_end;  // offset just past the earliest-ending match, or kNoMatch
    State state;            // the state after the whole text when there is no match
  };
  // Runs the DFA over text[0, n) from `state` (secret_matcher_scan.cc).
  ScanResult Scan(State state, const unsigned char* text, std::size_t n) const noexcept;
  ScanResult ScanOne(State state, const unsigned char* text, std::size_t n) const noexcept;
  // Four interleaved streams (n >= kMultiStreamMinBytes and 8 x max_length_).
  struct StreamSpans {
    std::size_t start[4];  // where each stream begins
    std::size_t steps;     // streams 0-2 end after this many bytes
  };
  ScanResult ScanFourStreams(State state, const unsigned char* text, std::size_t n) const noexcept;
  std::size_t EarliestMatchEnd(const unsigned char* text, const StreamSpans& spans,
                               std::size_t consumed, State (&states)[4]) const noexcept;

  // Prefilters. A scan in the start state jumps to the next position where a
  // secret may begin and steps the DFA from there (exactness: docs/redaction.md).
  // kPrefixPairs: every secret is at least 2 bytes long and they begin with
  // at most kMaxPrefixPairs distinct byte pairs (tokens such as "ghp_",
  // "sk-"); 16 bytes per SSE2 step. kTeddy: every secret is at least 2 bytes
  // long, at most TeddyFilter::kMaxPrefixes distinct 2-3 byte prefixes, and
  // the CPU has SSSE3 (secret_matcher_teddy.h).
  static constexpr std::size_t kMaxPrefixPairs = 4;
  void ChoosePrefilter(const std::vector<std::string_view>& patterns, Prefilter want);
  ScanResult ScanTeddy(State state, const unsigned char* text, std::size_t n) const noexcept;
  ScanResult ScanSkipping(State state, const unsigned char* text, std::size_t n) const noexcept;
  // The first j >= i with text[j, j+2) a prefix pair, else n - 1 (the last
  // byte is always stepped: the final state must be exact). Requires i < n.
  std::size_t SkipToCandidate(const unsigned char* text, std::size_t i,
                              std::size_t n) const noexcept;
  State Step(State state, unsigned char byte) const noexcept {
    return trans_[state + classes_[byte]];
  }
  std::uint32_t IdOf(State state) const noexcept { return state / stride_; }

  std::array<unsigned char, 256> classes_{};  // byte -> equivalence class
  std::uint32_t stride_ = 1;                  // number of classes
  std::vector<State> trans_;                  // [state offset + class] -> state offset
  std::vector<std::uint32_t> depth_;          // by state id (Invariant 3)
  std::vector<std::uint32_t> match_len_;      // by state id; 0: not a match state
  State first_match_offset_ = 0;              // Invariant 2
  std::size_t pattern_count_ = 0;
  std::size_t max_length_ = 0;
  Prefilter prefilter_ = Prefilter::kNone;
  std::size_t prefix_pair_count_ = 0;  // kPrefixPairs: how many
  std::array<unsigned char, kMaxPrefixPairs> pair_first_{};
  std::array<unsigned char, kMaxPrefixPairs> pair_second_{};
  TeddyFilter teddy_;  // kTeddy
};

}  // namespace evbus

#endif  // EVBUS_CORE_SECRET_MATCHER_H_
