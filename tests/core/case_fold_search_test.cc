#include "core/case_fold_search.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace evbus {
namespace {

// The obvious algorithm: fold both, then std::string::find.
std::size_t NaiveFind(std::string_view needle, std::string_view text) {
  std::string folded_needle(needle);
  std::string folded_text(text);
  for (char& c : folded_needle) c = FoldAscii(c);
  for (char& c : folded_text) c = FoldAscii(c);
  return folded_text.find(folded_needle);
}

TEST(CaseFoldSearchTest, FindsNeedleInAnyAsciiCase) {
  CaseFoldSearcher hello("hello");
  EXPECT_EQ(hello.Find("say HELLO world"), 4u);
  EXPECT_EQ(hello.Find("say HeLlO world"), 4u);
  EXPECT_EQ(CaseFoldSearcher("HELLO").Find("say hello"), 4u);
  EXPECT_EQ(CaseFoldSearcher("HELLO").needle(), "hello");
  EXPECT_FALSE(hello.Contains("say help"));
}

TEST(CaseFoldSearchTest, EmptyNeedleIsFoundAtOffsetZero) {
  CaseFoldSearcher empty;
  EXPECT_EQ(empty.Find(""), 0u);
  EXPECT_EQ(empty.Find("anything"), 0u);
  EXPECT_EQ(CaseFoldSearcher("").Find("x"), 0u);
}

TEST(CaseFoldSearchTest, NeedleLongerThanTextIsNotFound) {
  EXPECT_EQ(CaseFoldSearcher("abcdef").Find("abcde"), CaseFoldSearcher::npos);
  EXPECT_EQ(CaseFoldSearcher("a").Find(""), CaseFoldSearcher::npos);
}

TEST(CaseFoldSearchTest, ReturnsFirstOfSeveralMatches) {
  EXPECT_EQ(CaseFoldSearcher("ab").Find("xxAbxxabxxAB"), 2u);
}

// Punctuation bytes that differ from letters only in bit 5 ('@' / '`',
// '[' / '{') pass the fast pre-check but must not count as matches.
TEST(CaseFoldSearchTest, DoesNotFoldPunctuationThatDiffersOnlyInBit5) {
  EXPECT_FALSE(CaseFoldSearcher("`").Contains("@"));
  EXPECT_FALSE(CaseFoldSearcher("{x}").Contains("[X]"));
  // Long texts go through the block scan, not only the scalar tail.
  const std::string at_signs(40, '@');
  EXPECT_FALSE(CaseFoldSearcher("`").Contains(at_signs));
  EXPECT_FALSE(CaseFoldSearcher("{x}").Contains(at_signs + "[X]" + at_signs));
  EXPECT_EQ(CaseFoldSearcher("`a").Find(at_signs + "@A`a" + at_signs), 42u);
}

TEST(CaseFoldSearchTest, MatchesNonAsciiBytesExactly) {
  // "é" is C3 A9, "É" is C3 89: no folding outside ASCII.
  EXPECT_TRUE(CaseFoldSearcher("caf\xC3\xA9").Contains("CAF\xC3\xA9 au lait"));
  EXPECT_FALSE(CaseFoldSearcher("caf\xC3\xA9").Contains("CAF\xC3\x89 AU LAIT"));
  EXPECT_FALSE(CaseFoldSearcher("caf\xC3\xA9").Contains("caf\\u00e9"));
}

TEST(CaseFoldSearchTest, FindsNeedleAtEveryOffsetAndTextLength) {
  const std::string needle = "NeEdLe";
  CaseFoldSearcher searcher("needle");
  for (std::size_t length = needle.size(); length < 80; ++length) {
    for (std::size_t at = 0; at + needle.size() <= length; ++at) {
      // Exactly sized heap buffer: an over-read past the end trips ASan.
      auto buffer = std::make_unique<char[]>(length);
      std::fill_n(buffer.get(), length, 'n');
      std::copy(needle.begin(), needle.end(), buffer.get() + at);
      std::string_view text(buffer.get(), length);
      ASSERT_EQ(searcher.Find(text), at) << "length " << length << " offset " << at;
    }
  }
}

TEST(CaseFoldSearchTest, AgreesWithNaiveSearchOnRandomText) {
  std::mt19937 rng(20250718);
  const std::string alphabet = "abAB@`[{\xC3\xA9\"";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> text_length(0, 200);
  std::uniform_int_distribution<std::size_t> needle_length(1, 5);
  for (int round = 0; round < 20000; ++round) {
    std::string text(text_length(rng), ' ');
    for (char& c : text) c = alphabet[pick(rng)];
    std::string needle(needle_length(rng), ' ');
    for (char& c : needle) c = alphabet[pick(rng)];
    ASSERT_EQ(CaseFoldSearcher(needle).Find(text), NaiveFind(needle, text))
        << "needle \"" << needle << "\" text \"" << text << "\"";
  }
}

}  // namespace
}  // namespace evbus
