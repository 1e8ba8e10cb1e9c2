// What the SecretMatcher tests check again and again: Replace into a string,
// and one matcher agreeing with the naive reference (naive_secret_replace.h)
// on a text in every way it can be asked (Replace, its count, Contains, and
// Feed in two pieces split at a given byte).
#ifndef EVBUS_TESTS_CORE_SECRET_MATCHER_CHECK_H_
#define EVBUS_TESTS_CORE_SECRET_MATCHER_CHECK_H_

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_matcher.h"
#include "tests/core/naive_secret_replace.h"

namespace evbus::testing {

inline constexpr std::string_view kHidden = "<secret_hidden>";

// m.Replace(text) with kHidden; *count (when given) gets how many it replaced.
inline std::string ReplaceAll(const SecretMatcher& m, std::string_view text,
                              std::size_t* count = nullptr) {
  std::string out;
  const std::size_t n = m.Replace(text, kHidden, &out);
  if (count != nullptr) *count = n;
  return out;
}

// Fatal failures on the first disagreement; wrap in ASSERT_NO_FATAL_FAILURE.
// The Feed check is skipped when cut is npos.
inline void CheckAgreesWithNaive(const SecretMatcher& m, const std::vector<std::string>& secrets,
                                 std::string_view text, std::size_t cut = std::string_view::npos) {
  std::size_t want_count = 0;
  const std::string want = NaiveReplace(text, secrets, kHidden, &want_count);
  std::size_t got_count = 0;
  ASSERT_EQ(ReplaceAll(m, text, &got_count), want);
  ASSERT_EQ(got_count, want_count);
  ASSERT_EQ(m.Contains(text), want_count > 0);
  if (cut == std::string_view::npos) return;
  // Fed in two pieces, split anywhere, the verdict is the same.
  const SecretMatcher::State s =
      m.Feed(m.Feed(m.start_state(), text.substr(0, cut)), text.substr(cut));
  ASSERT_EQ(m.IsMatch(s), want_count > 0) << "cut=" << cut;
}

}  // namespace evbus::testing

#endif  // EVBUS_TESTS_CORE_SECRET_MATCHER_CHECK_H_
