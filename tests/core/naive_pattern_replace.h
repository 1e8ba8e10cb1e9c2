// A deliberately simple reference for redaction with secrets and patterns
// together (core/secret_scanner.h), for tests and the differential fuzz
// target: every literal occurrence and every pattern match is listed by brute
// force, then the documented rule is applied step by step: the match that
// begins leftmost, the longest among those, a registered secret winning a tie;
// a pattern match that begins inside the span and ends after it extends the
// span; continue after the span. Quadratic, obviously correct.
//
// The pattern is fixed: "TOK" followed by four ASCII digits (a user pattern,
// NaivePatternRegex), simple enough to find by hand.
#ifndef EVBUS_TESTS_CORE_NAIVE_PATTERN_REPLACE_H_
#define EVBUS_TESTS_CORE_NAIVE_PATTERN_REPLACE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace evbus::testing {

inline constexpr std::string_view kNaivePatternRegex = "TOK[0-9]{4}";
inline constexpr std::size_t kNaivePatternLength = 7;

inline bool NaivePatternAt(std::string_view text, std::size_t i) {
  if (text.substr(i, 3) != "TOK" || i + kNaivePatternLength > text.size()) return false;
  for (std::size_t k = 3; k < kNaivePatternLength; ++k) {
    if (text[i + k] < '0' || text[i + k] > '9') return false;
  }
  return true;
}

inline std::string NaivePatternReplace(std::string_view text,
                                       const std::vector<std::string>& secrets,
                                       std::string_view secret_placeholder,
                                       std::string_view pattern_placeholder) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t best_begin = text.size(), best_len = 0;
    bool best_is_pattern = false;
    for (std::size_t b = pos; b < text.size() && best_len == 0; ++b) {
      for (const std::string& s : secrets) {
        if (!s.empty() && s.size() > best_len && text.substr(b, s.size()) == s) {
          best_begin = b, best_len = s.size(), best_is_pattern = false;
        }
      }
      if (NaivePatternAt(text, b) && kNaivePatternLength > best_len) {
        best_begin = b, best_len = kNaivePatternLength, best_is_pattern = true;
      }
    }
    if (best_len == 0) break;
    std::size_t end = best_begin + best_len;
    for (std::size_t b = best_begin + 1; b < end; ++b) {  // extension by patterns
      if (NaivePatternAt(text, b) && b + kNaivePatternLength > end) end = b + kNaivePatternLength;
    }
    out.append(text.substr(pos, best_begin - pos));
    out.append(best_is_pattern ? pattern_placeholder : secret_placeholder);
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace evbus::testing

#endif  // EVBUS_TESTS_CORE_NAIVE_PATTERN_REPLACE_H_
