// SecretMatcher's Teddy prefilter (many secret prefixes: SSSE3 nibble
// buckets) against the naive leftmost-longest reference and against the
// same matcher with the prefilter forced off: random prefixes and bytes
// (>= 0x80 too), secrets at every offset of a 16- and 32-byte block and in
// the last bytes of the text, overlapping secrets, secrets that are prefixes
// of each other, and streaming Feed in random pieces.
#include "core/secret_matcher_teddy.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/secret_matcher.h"
#include "tests/core/secret_matcher_check.h"

namespace evbus {
namespace {

using Prefilter = SecretMatcher::Prefilter;
using testing::CheckAgreesWithNaive;
using testing::ReplaceAll;

std::string RandomString(std::mt19937& rng, std::string_view alphabet, std::size_t length) {
  std::string s;
  for (std::size_t i = 0; i < length; ++i) s.push_back(alphabet[rng() % alphabet.size()]);
  return s;
}

// Every byte value, or a small alphabet (with high bytes) so that prefixes
// collide and near misses are everywhere.
std::string Alphabet(std::mt19937& rng) {
  if (rng() % 2 == 0) return std::string("ab\x80\xff", 4) + "c";
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  return all;
}

// True when the Feed of `text` cut into random pieces ends in a match state.
bool FeedInPieces(const SecretMatcher& m, std::string_view text, std::mt19937& rng) {
  SecretMatcher::State s = m.start_state();
  for (std::size_t at = 0; at < text.size();) {
    const std::size_t len = std::min<std::size_t>(text.size() - at, 1 + rng() % 40);
    s = m.Feed(s, text.substr(at, len));
    at += len;
  }
  return m.IsMatch(s);
}

// One matcher per prefilter choice (kAuto first, kNone last).
std::vector<SecretMatcher> EveryPrefilter(const std::vector<std::string>& secrets) {
  std::vector<SecretMatcher> matchers;
  for (Prefilter want :
       {Prefilter::kAuto, Prefilter::kTeddy, Prefilter::kPrefixPairs, Prefilter::kNone}) {
    matchers.emplace_back(secrets, want);
  }
  return matchers;
}

// Each matcher agrees with the naive reference on `text`, held in a heap
// block of exactly its size (so that AddressSanitizer sees a block step that
// reads past the end).
void CheckAgree(const std::vector<SecretMatcher>& matchers, const std::vector<std::string>& secrets,
                std::string_view original, std::mt19937& rng) {
  const std::vector<char> exact(original.begin(), original.end());
  const std::string_view text(exact.data(), exact.size());
  ASSERT_EQ(matchers.back().prefilter(), Prefilter::kNone);
  for (const SecretMatcher& m : matchers) {
    const std::size_t cut = rng() % (text.size() + 1);
    ASSERT_NO_FATAL_FAILURE(CheckAgreesWithNaive(m, secrets, text, cut))
        << "prefilter=" << static_cast<int>(m.prefilter());
    ASSERT_EQ(FeedInPieces(m, text, rng), m.Contains(text));
  }
}

TEST(SecretMatcherTeddyTest, UsesTeddyForManyRandomPrefixesWhenTheCpuHasSsse3) {
  std::mt19937 rng(5);
  std::vector<std::string> secrets;
  for (int i = 0; i < 20; ++i) secrets.push_back(RandomString(rng, "ABCDEFGHabcdefgh0123", 28));
  const SecretMatcher m(secrets);
  if (!TeddyFilter::Supported()) GTEST_SKIP() << "no SSSE3: the DFA scans every byte";
  EXPECT_EQ(m.prefilter(), Prefilter::kTeddy);
  EXPECT_EQ(SecretMatcher(secrets, Prefilter::kNone).prefilter(), Prefilter::kNone);
  // Two token prefixes: the SSE2 pair compare, unless Teddy has AVX2 blocks.
  const std::vector<std::string> tokens = {"ghp_abc", "sk-proj-x"};
  TeddyFilter wide;
  ASSERT_TRUE(wide.Build({"ghp", "sk-"}));
  EXPECT_EQ(SecretMatcher(tokens).prefilter(),
            wide.wide() ? Prefilter::kTeddy : Prefilter::kPrefixPairs);
  EXPECT_EQ(SecretMatcher(tokens, Prefilter::kTeddy).prefilter(), Prefilter::kTeddy);
  EXPECT_EQ(SecretMatcher(tokens, Prefilter::kPrefixPairs).prefilter(), Prefilter::kPrefixPairs);
}

TEST(SecretMatcherTeddyTest, FallsBackToTheDfaWhereTheFilterCannotApply) {
  std::vector<std::string> with_single_byte = {"a", "bcdef", "cdefg", "defgh", "efghi", "fghij"};
  EXPECT_EQ(SecretMatcher(with_single_byte).prefilter(), Prefilter::kNone);
  EXPECT_EQ(SecretMatcher(with_single_byte, Prefilter::kTeddy).prefilter(), Prefilter::kNone);
  EXPECT_EQ(ReplaceAll(SecretMatcher(with_single_byte), "xaxbcdefx"),
            "x<secret_hidden>x<secret_hidden>x");
  std::vector<std::string> too_many;  // more distinct prefixes than the buckets can tell apart
  for (std::size_t i = 0; i <= TeddyFilter::kMaxPrefixes; ++i) {
    too_many.push_back(
        std::string{static_cast<char>('A' + i % 26), static_cast<char>('a' + i / 26)} + "-secret");
  }
  EXPECT_EQ(SecretMatcher(too_many).prefilter(), Prefilter::kNone);
  EXPECT_EQ(ReplaceAll(SecretMatcher(too_many), "a Cb-secret b"), "a <secret_hidden> b");
}

TEST(SecretMatcherTeddyTest, RandomSecretsAgreeWithNaiveAndWithTheDfaAlone) {
  std::mt19937 rng(2024);
  int teddy_rounds = 0;
  for (int round = 0; round < 400; ++round) {
    const std::string alphabet = Alphabet(rng);
    const int count = std::uniform_int_distribution<int>(1, 64)(rng);
    const int min_length = round % 8 == 0 ? 1 : 2;  // one round in eight may hold a 1-byte secret
    std::vector<std::string> secrets;
    for (int i = 0; i < count; ++i) {
      const auto len = static_cast<std::size_t>(
          std::uniform_int_distribution<int>(min_length, rng() % 4 == 0 ? 40 : 4)(rng));
      secrets.push_back(RandomString(rng, alphabet, len));
    }
    // Noise with secrets, their prefixes and their overlapping pieces in it.
    std::string text;
    const int pieces = std::uniform_int_distribution<int>(0, 60)(rng);
    for (int p = 0; p < pieces; ++p) {
      const std::string& s = secrets[rng() % secrets.size()];
      switch (rng() % 4) {
        case 0:
          text += s;
          break;
        case 1:
          text += s.substr(0, rng() % (s.size() + 1));
          break;
        case 2:
          text += s.substr(rng() % s.size());
          break;
        default:
          text += RandomString(rng, alphabet, rng() % 24);
      }
    }
    const std::vector<SecretMatcher> matchers = EveryPrefilter(secrets);
    ASSERT_NO_FATAL_FAILURE(CheckAgree(matchers, secrets, text, rng)) << "round=" << round;
    if (matchers.front().prefilter() == Prefilter::kTeddy) ++teddy_rounds;
  }
  if (TeddyFilter::Supported()) {
    EXPECT_GT(teddy_rounds, 150);
  }
}

TEST(SecretMatcherTeddyTest, FindsSecretsAtEveryBlockOffsetAndInTheLastBytes) {
  std::mt19937 rng(17);
  const std::vector<std::string> secrets = {"\x80\xff", "ab", "abq", "qrs\xc3",  "\x01\x02\x03",
                                            "zzzz",     "kz", "mno", "pqrstuvw", "xy\x80"};
  const std::vector<SecretMatcher> matchers = EveryPrefilter(secrets);
  for (std::size_t length = 0; length <= 80; ++length) {
    for (const std::string& s : secrets) {
      for (std::size_t at = 0; at + s.size() <= length; ++at) {
        std::string text(length, 'z');  // "zz" is a near miss of "zzzz" everywhere
        text.replace(at, s.size(), s);
        ASSERT_NO_FATAL_FAILURE(CheckAgree(matchers, secrets, text, rng))
            << "length=" << length << " at=" << at << " secret=" << s;
      }
    }
  }
}

TEST(SecretMatcherTeddyTest, LeftmostLongestWithOverlappingAndNestedSecrets) {
  const std::vector<std::string> secrets = {"abc",   "abcdef", "bcd", "cd", "de",
                                            "abcde", "ef",     "fg",  "gh"};
  for (Prefilter want : {Prefilter::kTeddy, Prefilter::kNone}) {
    const SecretMatcher m(secrets, want);
    const std::string pad(30, '.');  // push the matches across a block boundary
    EXPECT_EQ(ReplaceAll(m, pad + "xabcdefgh"), pad + "x<secret_hidden><secret_hidden>");
    EXPECT_EQ(ReplaceAll(m, pad + "abcdx"), pad + "<secret_hidden>dx");
    EXPECT_EQ(ReplaceAll(m, pad + "bcdefg"), pad + "<secret_hidden><secret_hidden>g");
    const SecretMatch found = m.Find(pad + "zzabcdeZ");
    EXPECT_EQ(found.begin, pad.size() + 2);
    EXPECT_EQ(found.length, 5u);
  }
}

TEST(SecretMatcherTeddyTest, BlockScansFindExactlyTheScalarCandidates) {
  if (!TeddyFilter::Supported()) GTEST_SKIP() << "no SSSE3";
  std::mt19937 rng(3);
  for (int round = 0; round < 200; ++round) {
    const std::string alphabet = Alphabet(rng);
    std::vector<std::string> owned;
    const int count = std::uniform_int_distribution<int>(1, 40)(rng);
    for (int i = 0; i < count; ++i) owned.push_back(RandomString(rng, alphabet, 2 + rng() % 3));
    const std::vector<std::string_view> patterns(owned.begin(), owned.end());
    TeddyFilter filter;
    ASSERT_TRUE(filter.Build(patterns, /*wide=*/round % 2 == 0));  // AVX2 blocks, then SSSE3 only
    const std::string text = RandomString(rng, alphabet, rng() % 200);
    const std::vector<unsigned char> exact(text.begin(), text.end());  // no slack to read into
    const unsigned char* data = exact.data();
    const std::size_t n = text.size();
    const std::size_t k = filter.prefix_length();
    for (std::size_t p = 0; p + k <= n; ++p) {  // a real prefix is always a candidate
      for (const std::string& s : owned) {
        if (text.compare(p, k, s, 0, k) == 0) {
          ASSERT_TRUE(filter.IsCandidate(data, p)) << p;
        }
      }
    }
    // Next, called as a scan calls it (forward, sometimes past a rejected
    // candidate), gives the first scalar candidate each time.
    TeddyFilter::Cursor cursor;
    for (std::size_t i = 0;;) {
      std::size_t want = i;
      while (want + k <= n && !filter.IsCandidate(data, want)) ++want;
      if (want + k > n) want = n;
      ASSERT_EQ(filter.Next(data, n, i, &cursor), want) << "round=" << round << " i=" << i;
      if (want >= n) break;
      i = want + 1 + rng() % 3;
    }
  }
}

}  // namespace
}  // namespace evbus
