#include "core/secret_matcher.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "tests/core/secret_matcher_check.h"

namespace evbus {
namespace {

using testing::CheckAgreesWithNaive;
using testing::ReplaceAll;

TEST(SecretMatcherTest, EmptyMatcherFindsNothing) {
  SecretMatcher m;
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.Find("anything at all").found());
  EXPECT_FALSE(m.Contains("anything at all"));
  EXPECT_EQ(ReplaceAll(m, "anything"), "anything");
}

TEST(SecretMatcherTest, IgnoresEmptyValuesAndCollapsesDuplicates) {
  SecretMatcher m({"", "tok", "tok", ""});
  EXPECT_EQ(m.pattern_count(), 1u);
  EXPECT_EQ(ReplaceAll(m, "a tok b"), "a <secret_hidden> b");

  SecretMatcher only_empty({""});
  EXPECT_TRUE(only_empty.empty());
  EXPECT_EQ(ReplaceAll(only_empty, "ab"), "ab");  // OpenHands would give XaXbX
}

TEST(SecretMatcherTest, ReplacesEveryOccurrence) {
  SecretMatcher m({"secret123"});
  std::size_t count = 0;
  EXPECT_EQ(ReplaceAll(m, "secret123 and secret123secret123!", &count),
            "<secret_hidden> and <secret_hidden><secret_hidden>!");
  EXPECT_EQ(count, 3u);
}

TEST(SecretMatcherTest, PrefersLeftmostThenLongest) {
  SecretMatcher m({"abc", "abcdef", "bcd"});
  EXPECT_EQ(ReplaceAll(m, "xabcdefy"), "x<secret_hidden>y");  // abcdef, not abc + "def"
  EXPECT_EQ(ReplaceAll(m, "xabcdy"), "x<secret_hidden>dy");   // abc begins before bcd
  EXPECT_EQ(ReplaceAll(m, "xbcdabcx"), "x<secret_hidden><secret_hidden>x");
  const SecretMatch first = m.Find("zzabcdefzz");
  EXPECT_EQ(first.begin, 2u);
  EXPECT_EQ(first.length, 6u);
}

TEST(SecretMatcherTest, EarlierBeginningMatchThatEndsLaterWins) {
  SecretMatcher m({"abcdef", "cd"});
  EXPECT_EQ(ReplaceAll(m, "abcdef"), "<secret_hidden>");
  EXPECT_EQ(ReplaceAll(m, "abcdex"), "ab<secret_hidden>ex");
}

TEST(SecretMatcherTest, FindsInnerSecretWhenLongerCandidateFails) {
  SecretMatcher m({"abcd", "bc"});
  EXPECT_EQ(ReplaceAll(m, "abce"), "a<secret_hidden>e");
  EXPECT_EQ(ReplaceAll(m, "abc"), "a<secret_hidden>");  // text ends mid-candidate
  EXPECT_EQ(ReplaceAll(m, "abcd"), "<secret_hidden>");
}

TEST(SecretMatcherTest, ReplacementIsNeverRescanned) {
  SecretMatcher m({"secret", "hidden", "<", "_"});
  std::size_t count = 0;
  EXPECT_EQ(ReplaceAll(m, "a<b secret_hidden", &count),
            "a<secret_hidden>b <secret_hidden><secret_hidden><secret_hidden>");
  EXPECT_EQ(count, 4u);
}

TEST(SecretMatcherTest, FindHonoursStartOffset) {
  SecretMatcher m({"ab"});
  const SecretMatch match = m.Find("ab ab", 1);
  EXPECT_EQ(match.begin, 3u);
  EXPECT_FALSE(m.Find("ab ab", 4).found());
  EXPECT_FALSE(m.Find("ab", 7).found());
}

TEST(SecretMatcherTest, StreamingFeedFindsSecretSplitAcrossPieces) {
  SecretMatcher m({"token-XYZ"});
  SecretMatcher::State s = m.start_state();
  s = m.Feed(s, "prefix tok");
  EXPECT_FALSE(m.IsMatch(s));
  s = m.Feed(s, "en-X");
  s = m.Feed(s, "YZ suffix");
  EXPECT_TRUE(m.IsMatch(s));
  EXPECT_FALSE(m.IsMatch(m.Feed(m.Feed(m.start_state(), "token-"), "XY")));
}

TEST(SecretMatcherTest, MatchesUtf8AndArbitraryBytes) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  SecretMatcher m({"pässwörd", "🔑", all_bytes, std::string("\0\xff", 2)});
  EXPECT_EQ(m.class_count(), 256u);  // every byte value occurs: no spare class
  EXPECT_EQ(ReplaceAll(m, "x pässwörd 🔑 y"), "x <secret_hidden> <secret_hidden> y");
  EXPECT_EQ(ReplaceAll(m, "<" + all_bytes + ">"), "<<secret_hidden>>");
  EXPECT_EQ(ReplaceAll(m, std::string("a\0\xff"
                                      "b",
                                      4)),
            "a<secret_hidden>b");
  EXPECT_EQ(ReplaceAll(m, "passwörd"), "passwörd");
}

TEST(SecretMatcherTest, ContainsAgreesWithFind) {
  SecretMatcher m({"ghp_16C7e42F292c6912E7710c838347Ae178B4a", "sk-", "xoxb"});
  for (std::string_view text : {"", "no secrets here", "an sk- key", "ghp_16C7e42F292c6912E7710c8",
                                "xoxbxoxb", "ghp_16C7e42F292c6912E7710c838347Ae178B4a"}) {
    EXPECT_EQ(m.Contains(text), m.Find(text).found()) << text;
  }
}

// The DFA against the naive reference on small alphabets, where overlaps,
// shared prefixes and suffix-of-other-secret cases are dense.
TEST(SecretMatcherTest, AgreesWithNaiveLeftmostLongestOnRandomInputs) {
  std::mt19937 rng(20250718);
  for (std::string alphabet : {"ab", "abc", "ab<_"}) {
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    auto random_string = [&](std::size_t max_len) {
      std::string s(std::uniform_int_distribution<std::size_t>(0, max_len)(rng), ' ');
      for (char& c : s) c = alphabet[pick(rng)];
      return s;
    };
    for (int round = 0; round < 4000; ++round) {
      std::vector<std::string> secrets(std::uniform_int_distribution<int>(1, 6)(rng));
      for (auto& s : secrets) s = random_string(5);
      const std::string text = random_string(40);
      ASSERT_NO_FATAL_FAILURE(CheckAgreesWithNaive(SecretMatcher(secrets), secrets, text))
          << "text=" << text << " round=" << round;
    }
  }
}

// Long texts take the four-stream scan (kMultiStreamMinBytes); sparse and
// dense matches, matches on span boundaries, and Feed's carried state.
TEST(SecretMatcherTest, MultiStreamScanAgreesWithNaiveOnLongTexts) {
  std::mt19937 rng(7);
  const std::string letters = "abcdefghijklmnopqrstuvwxyz";
  for (int round = 0; round < 1500; ++round) {
    const std::size_t alphabet = std::uniform_int_distribution<std::size_t>(2, 26)(rng);
    std::uniform_int_distribution<std::size_t> pick(0, alphabet - 1);
    auto random_string = [&](std::size_t min_len, std::size_t max_len) {
      std::string s(std::uniform_int_distribution<std::size_t>(min_len, max_len)(rng), ' ');
      for (char& c : s) c = letters[pick(rng)];
      return s;
    };
    std::vector<std::string> secrets(std::uniform_int_distribution<int>(1, 8)(rng));
    for (auto& s : secrets) s = random_string(1, 12);
    const std::string text = random_string(SecretMatcher::kMultiStreamMinBytes, 3000);
    // Fed in two pieces, split anywhere, the verdict is the same.
    const std::size_t cut = std::uniform_int_distribution<std::size_t>(0, text.size())(rng);
    ASSERT_NO_FATAL_FAILURE(CheckAgreesWithNaive(SecretMatcher(secrets), secrets, text, cut))
        << "round=" << round;
  }
}

TEST(SecretMatcherTest, FindsSingleSecretAtEveryPositionOfALongText) {
  const std::string secret = "ghp_ABCDEFGHIJKLMNOP";
  SecretMatcher m({secret});
  const std::string filler(1000, '.');
  for (std::size_t at = 0; at + secret.size() <= filler.size(); ++at) {
    std::string text = filler;
    text.replace(at, secret.size(), secret);
    const SecretMatch match = m.Find(text);
    ASSERT_TRUE(match.found()) << at;
    ASSERT_EQ(match.begin, at);
    ASSERT_EQ(match.length, secret.size());
  }
  EXPECT_FALSE(m.Contains(filler));
}

}  // namespace
}  // namespace evbus
