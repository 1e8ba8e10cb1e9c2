// CaseFoldSearcher: ASCII case-insensitive substring search, fast enough to
// run a filter query over every event's JSON text.
//
// Folding is ASCII only: 'A'..'Z' match 'a'..'z'; every other byte, UTF-8
// sequences included, matches only itself. evbus stores JSON as UTF-8, so a
// non-ASCII query matches the same bytes in the text, case-sensitively (see
// docs/compat.md for how this differs from OpenHands' ensure_ascii JSON).
//
// Technique: the needle is folded once. The text is scanned 16 positions at a
// time (SSE2 where available), testing the needle's first and last byte at
// once; only positions where both match are compared in full. Candidates are
// rare in real JSON, so the scan runs at memory-like speed.
//
// Thread safety: immutable after construction; Find may be called from any
// number of threads at once.
#ifndef EVBUS_CORE_CASE_FOLD_SEARCH_H_
#define EVBUS_CORE_CASE_FOLD_SEARCH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace evbus {

// 'A'..'Z' to 'a'..'z'; every other byte unchanged.
constexpr char FoldAscii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

class CaseFoldSearcher {
 public:
  static constexpr std::size_t npos = std::string_view::npos;

  // An empty needle: found at offset 0 of every text.
  CaseFoldSearcher() = default;
  explicit CaseFoldSearcher(std::string_view needle);

  // The needle, ASCII-lowercased.
  const std::string& needle() const noexcept { return needle_; }

  // Offset of the first match of the needle in `text`, or npos.
  // Allocation-free; reads only the bytes of `text`.
  std::size_t Find(std::string_view text) const noexcept;
  bool Contains(std::string_view text) const noexcept { return Find(text) != npos; }

 private:
  // A byte probe: text byte b may start/end a match iff (b | or_mask) == value.
  // For a letter the mask is 0x20 (both cases pass, plus a few punctuation
  // bytes that the full comparison then rejects); otherwise it is 0.
  struct Probe {
    std::uint8_t or_mask = 0;
    std::uint8_t value = 0;
  };
  static Probe MakeProbe(char folded) noexcept;
  bool MatchesAt(const char* p) const noexcept;
  std::size_t FindScalar(std::string_view text, std::size_t from) const noexcept;

  std::string needle_;
  Probe first_;
  Probe last_;
};

}  // namespace evbus

#endif  // EVBUS_CORE_CASE_FOLD_SEARCH_H_
