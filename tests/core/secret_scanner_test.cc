// SecretScanner (secrets and patterns in one replacement) against the naive
// reference (tests/core/naive_pattern_replace.h) on random secrets and texts
// over a small alphabet, so that overlaps of every kind occur; the same check
// as fuzz/secret_scanner_fuzz.cc, run by make test.
#include "core/secret_scanner.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/json_append.h"
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

// The anchor screen (built-in patterns, every rule anchored) only skips
// work: where it finds its first secret or anchor, the search for the
// secrets starts, in Redact and in the publish path's check of a JSON field.
// Random secrets and texts over bytes of the anchors "ghp_" and "AKIA", so
// that secrets begin before, at, inside and after anchors, against a
// redactor whose screen is off (an extra pattern without anchors, which
// never matches here).
TEST(SecretScannerTest, TheAnchorScreenFindsWhatTheUnscreenedScanFinds) {
  SecretPatterns unanchored;
  unanchored.custom["never"] = "QQZZQQ[0-9]{40}";
  std::mt19937 rng(18);
  static constexpr std::string_view kAlphabet = "ghp_AKIA01x\\n\"\n";
  auto random_text = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s.push_back(kAlphabet[rng() % kAlphabet.size()]);
    if (rng() % 4 == 0) s.insert(rng() % (s.size() + 1), "ghp_" + std::string(36, 'Z'));
    return s;
  };
  auto run = ParseEvent(R"({"action":"run","args":{}})");
  ASSERT_TRUE(run.ok());
  int screened_rounds = 0;
  for (int round = 0; round < 3000; ++round) {
    Redactor::SecretMap map;
    for (std::size_t i = 0, n = 1 + rng() % 4; i < n; ++i) {
      map["s" + std::to_string(i)] = random_text(2 + rng() % 6).substr(0, 8);
    }
    Redactor screened, plain;
    ASSERT_TRUE(screened.Set(map, SecretPatterns{}).ok());
    ASSERT_TRUE(plain.Set(map, unanchored).ok());
    ASSERT_FALSE(plain.scanner().has_anchor_screen());
    screened_rounds += screened.scanner().has_anchor_screen();  // not with an escape byte
    const std::string text = random_text(rng() % 80);
    std::string got = text, want = text;
    screened.RedactText(&got);
    plain.RedactText(&want);
    ASSERT_EQ(got, want) << "text " << text << " secrets " << ::testing::PrintToString(map);
    Event event = *run;
    event.message = text;
    event.args_json = "{\"command\":";
    AppendJsonQuoted(text, &event.args_json);
    event.args_json += "}";
    std::string got_json, want_json;
    ASSERT_TRUE(AppendRedactedEventJson(event, screened, &got_json).ok());
    ASSERT_TRUE(AppendRedactedEventJson(event, plain, &want_json).ok());
    ASSERT_EQ(got_json, want_json) << "text " << text;
  }
  EXPECT_GT(screened_rounds, 1000);
}

// Redactor::Compile asks AnchorScreenMayKeep before it builds the screen's
// matcher: a "no" must be a screen that SetAnchorScreen refuses.
TEST(SecretScannerTest, AnchorScreenMayKeepSaysNoOnlyToScreensThatAreRefused) {
  std::mt19937 rng(7);
  static constexpr std::string_view kAlphabet = "ghp_x/\n\"";
  int refused = 0, kept = 0;
  for (int round = 0; round < 500; ++round) {
    Redactor::SecretMap map;
    std::vector<std::string> values;
    for (std::size_t i = 0, n = 1 + rng() % 3; i < n; ++i) {
      std::string value;
      for (std::size_t k = 0, len = 1 + rng() % 5; k < len; ++k) {
        value.push_back(kAlphabet[rng() % kAlphabet.size()]);
      }
      map["s" + std::to_string(i)] = value;
      values.push_back(value);
    }
    Redactor r;
    ASSERT_TRUE(r.Set(map, SecretPatterns{}).ok());
    for (std::size_t i = 0, n = 1 + rng() % 3; i < n; ++i) {  // anchors
      std::string anchor = "A";
      for (std::size_t k = 0, len = rng() % 4; k < len; ++k) {
        anchor.push_back(kAlphabet[rng() % kAlphabet.size()]);
      }
      values.push_back(anchor);
    }
    SecretScanner scanner = r.scanner();
    scanner.SetAnchorScreen(SecretMatcher(values));
    if (!r.scanner().AnchorScreenMayKeep(values)) {
      EXPECT_FALSE(scanner.has_anchor_screen()) << ::testing::PrintToString(values);
      ++refused;
    } else {
      kept += scanner.has_anchor_screen();
    }
  }
  EXPECT_GT(refused, 100);
  EXPECT_GT(kept, 50);
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
