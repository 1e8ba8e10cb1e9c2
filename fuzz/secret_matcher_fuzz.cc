// libFuzzer target: SecretMatcher, with each prefilter (kAuto, Teddy, the
// pair compare, none), against the naive leftmost-longest reference
// (tests/core/naive_secret_replace.h) on secrets and text taken from the
// input. Any disagreement in Replace, its count, Contains, or Feed split at
// an input-chosen byte aborts.
//
// Input: byte 0 = number of secrets - 1 (mod 64); then per secret a length
// byte (1 + b % 40) and that many bytes; the rest is the text, of which
// the first byte also picks the Feed split.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_matcher.h"
#include "tests/core/naive_secret_replace.h"

namespace {

using evbus::SecretMatcher;
constexpr std::string_view kHidden = "<secret_hidden>";

[[noreturn]] void Fail(const char* what, SecretMatcher::Prefilter got) {
  std::fprintf(stderr, "SecretMatcher (prefilter %d) disagrees with the naive reference: %s\n",
               static_cast<int>(got), what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t at = 0;
  const std::size_t count = 1 + data[at++] % 64;
  std::vector<std::string> secrets;
  for (std::size_t i = 0; i < count && at < size; ++i) {
    const std::size_t len = 1 + data[at++] % 40;
    if (at + len > size) break;
    secrets.emplace_back(reinterpret_cast<const char*>(data + at), len);
    at += len;
  }
  const std::string_view text(reinterpret_cast<const char*>(data + at), size - at);
  const std::size_t cut =
      text.empty() ? 0 : static_cast<unsigned char>(text[0]) % (text.size() + 1);

  std::size_t want_count = 0;
  const std::string want = evbus::testing::NaiveReplace(text, secrets, kHidden, &want_count);
  using Prefilter = SecretMatcher::Prefilter;
  for (Prefilter p :
       {Prefilter::kAuto, Prefilter::kTeddy, Prefilter::kPrefixPairs, Prefilter::kNone}) {
    const SecretMatcher m(secrets, p);
    std::string got;
    const std::size_t got_count = m.Replace(text, kHidden, &got);
    if (got != want || got_count != want_count) Fail("Replace", m.prefilter());
    if (m.Contains(text) != (want_count > 0)) Fail("Contains", m.prefilter());
    const SecretMatcher::State s =
        m.Feed(m.Feed(m.start_state(), text.substr(0, cut)), text.substr(cut));
    if (m.IsMatch(s) != (want_count > 0)) Fail("Feed", m.prefilter());
  }
  return 0;
}
