// A deliberately simple reference for secret replacement, for tests: at each
// position, try every secret and take the longest that matches there; emit
// the replacement and continue after the match. Quadratic, obviously correct.
#ifndef EVBUS_TESTS_CORE_NAIVE_SECRET_REPLACE_H_
#define EVBUS_TESTS_CORE_NAIVE_SECRET_REPLACE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace evbus::testing {

inline std::string NaiveReplace(std::string_view text, const std::vector<std::string>& secrets,
                                std::string_view replacement, std::size_t* count = nullptr) {
  std::string out;
  std::size_t replaced = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t best = 0;
    for (const std::string& s : secrets) {
      if (!s.empty() && s.size() > best && text.substr(i, s.size()) == s) best = s.size();
    }
    if (best == 0) {
      out.push_back(text[i++]);
    } else {
      out.append(replacement);
      i += best;
      ++replaced;
    }
  }
  if (count != nullptr) *count = replaced;
  return out;
}

}  // namespace evbus::testing

#endif  // EVBUS_TESTS_CORE_NAIVE_SECRET_REPLACE_H_
