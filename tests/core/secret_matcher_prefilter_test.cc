// SecretMatcher's prefilters for few secret prefixes (the scan jumps to pair
// candidates, or to Teddy's; each is forced in turn, as well as kAuto's
// choice for this CPU) against the naive leftmost-longest reference:
// token-like secrets, near misses of their prefixes everywhere, matches at
// every offset of a 16-byte block, and streaming Feed split at every position.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "core/secret_matcher.h"
#include "tests/core/secret_matcher_check.h"

namespace evbus {
namespace {

using Prefilter = SecretMatcher::Prefilter;
constexpr Prefilter kEveryPrefilter[] = {Prefilter::kAuto, Prefilter::kPrefixPairs,
                                         Prefilter::kTeddy};

// `secret` and "sk-proj-zz" are m's secrets.
void CheckTokenEverywhere(const SecretMatcher& m, const std::string& secret) {
  for (std::size_t at = 0; at < 70; ++at) {
    std::string text(80, 'g');  // every byte a first byte, never a pair
    text.replace(at, secret.size(), secret);
    const SecretMatch found = m.Find(text);
    ASSERT_TRUE(found.found()) << at;
    EXPECT_EQ(found.begin, at);
    EXPECT_EQ(found.length, secret.size());
    for (std::size_t cut = 0; cut <= text.size(); cut += 7) {
      const SecretMatcher::State s =
          m.Feed(m.Feed(m.start_state(), std::string_view(text).substr(0, cut)),
                 std::string_view(text).substr(cut));
      ASSERT_TRUE(m.IsMatch(s)) << "at=" << at << " cut=" << cut;
    }
  }
  // A prefix split across pieces at the very end of the first piece.
  EXPECT_TRUE(m.IsMatch(m.Feed(m.Feed(m.start_state(), "xxxxxxxxxxxxxxxxxxxxg"), "hp_A1b2C3")));
  EXPECT_FALSE(m.Contains(std::string(1000, 'g') + "hp_A1b2C" + std::string(100, 's') + "k-"));
}

TEST(SecretMatcherPrefilterTest, TokenSecretsAgreeWithNaiveInNoisyText) {
  std::mt19937 rng(99);
  // Noise rich in the prefixes' bytes and in near misses ("gh", "gp", "sk-x").
  const std::vector<std::string> noise = {"g", "h",  "p",  "_",        "s",      "k",
                                          "-", "gh", "sk", "sk-",      "ghp",    "ghp_",
                                          "x", " ",  "\n", "\xc3\xa9", "sk-proj"};
  for (int round = 0; round < 600; ++round) {
    std::vector<std::string> secrets;
    const int count = std::uniform_int_distribution<int>(1, 6)(rng);
    for (int i = 0; i < count; ++i) {
      std::string s = i % 2 == 0 ? "ghp_" : "sk-proj-";
      const int tail = std::uniform_int_distribution<int>(0, 6)(rng);
      for (int k = 0; k < tail; ++k) s.push_back("abAB01_-"[rng() % 8]);
      secrets.push_back(s);
    }
    std::string text;
    const int pieces = std::uniform_int_distribution<int>(0, 400)(rng);
    for (int p = 0; p < pieces; ++p) {
      if (rng() % 40 == 0) {
        text += secrets[rng() % secrets.size()];
      } else {
        text += noise[rng() % noise.size()];
      }
    }
    const std::size_t cut = std::uniform_int_distribution<std::size_t>(0, text.size())(rng);
    for (Prefilter want : kEveryPrefilter) {
      const SecretMatcher m(secrets, want);
      ASSERT_NO_FATAL_FAILURE(testing::CheckAgreesWithNaive(m, secrets, text, cut))
          << "round=" << round << " prefilter=" << static_cast<int>(m.prefilter());
    }
  }
}

TEST(SecretMatcherPrefilterTest, FindsTokenAtEveryOffsetAndAcrossEveryFeedSplit) {
  const std::string secret = "ghp_A1b2C3";
  for (Prefilter want : kEveryPrefilter) {
    SCOPED_TRACE(static_cast<int>(want));
    const SecretMatcher m({secret, "sk-proj-zz"}, want);
    ASSERT_NO_FATAL_FAILURE(CheckTokenEverywhere(m, secret));
  }
}

TEST(SecretMatcherPrefilterTest, KeepsThePairCompareWhenAskedForIt) {
  EXPECT_EQ(SecretMatcher({"ghp_A1b2C3", "sk-proj-zz"}, Prefilter::kPrefixPairs).prefilter(),
            Prefilter::kPrefixPairs);
  // Five pairs are too many for it; a 1-byte secret leaves nothing to pair.
  EXPECT_EQ(SecretMatcher({"ab1", "cd1", "ef1", "gh1", "ij1"}, Prefilter::kPrefixPairs).prefilter(),
            Prefilter::kNone);
  EXPECT_EQ(SecretMatcher({"a", "bcd"}, Prefilter::kPrefixPairs).prefilter(), Prefilter::kNone);
}

}  // namespace
}  // namespace evbus
