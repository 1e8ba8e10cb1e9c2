// SecretScanner (secrets and patterns in one replacement) against the naive
// reference (tests/core/naive_pattern_replace.h) on random secrets and texts
// over a small alphabet, so that overlaps of every kind occur; the same check
// as fuzz/secret_scanner_fuzz.cc, run by make test.
#include "core/secret_scanner.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/redactor.h"
#include "tests/core/naive_pattern_replace.h"

namespace evbus {
namespace {

TEST(SecretScannerTest, AgreesWithTheNaiveReferenceOnRandomSecretsAndTexts) {
  Redactor base;
  SecretPatterns p = SecretPatterns::None();
  p.custom["tok"] = std::string(testing::kNaivePatternRegex);
  ASSERT_TRUE(base.SetPatterns(p).ok());
  std::mt19937 rng(1234);
  static constexpr std::string_view kAlphabet = "TOK0123ab";
  auto random_text = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(kAlphabet[rng() % kAlphabet.size()]);
    return s;
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<std::string> secrets;
    Redactor::SecretMap map;
    for (std::size_t i = 0, n = rng() % 5; i < n; ++i) {
      secrets.push_back(random_text(1 + rng() % 8));
      map["s" + std::to_string(i)] = secrets.back();
    }
    Redactor r = base;
    ASSERT_TRUE(r.SetSecrets(map).ok());
    const std::string text = random_text(rng() % 64);
    std::string got = text;
    r.RedactText(&got);
    ASSERT_EQ(got,
              testing::NaivePatternReplace(text, secrets, "<secret_hidden>", "<secret_hidden:tok>"))
        << "text " << text << " secrets " << ::testing::PrintToString(secrets);
  }
}

TEST(SecretScannerTest, ContainsAndEmptyReflectBothMatchers) {
  const SecretScanner none;
  EXPECT_TRUE(none.empty());
  EXPECT_FALSE(none.has_patterns());
  Redactor r;
  SecretPatterns p = SecretPatterns::None();
  p.custom["tok"] = std::string(testing::kNaivePatternRegex);
  ASSERT_TRUE(r.SetPatterns(p).ok());
  EXPECT_TRUE(r.scanner().has_patterns());
  EXPECT_TRUE(r.scanner().Contains("xx TOK1234"));
  EXPECT_FALSE(r.scanner().Contains("xx TOK12"));
}

}  // namespace
}  // namespace evbus
