// The publish path's pattern gate (core/json_redact_gate.h,
// SecretScanner::ScreenJson): the blanked copy against a byte-at-a-time
// reference, the escape-free analysis, and the gate never saying "no match"
// for a JSON text whose walk would replace something.
#include "core/json_redact_gate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/json_redact.h"
#include "core/redactor.h"
#include "core/secret_patterns.h"
#include "tests/testutil/secret_tokens.h"

namespace evbus {
namespace {

using Screen = SecretScanner::JsonScreen;

constexpr std::size_t npos() { return std::string_view::npos; }

// The reference: one escape at a time, left to right.
JsonEscapes ReferenceBlank(std::string_view json, std::string* out) {
  out->clear();
  bool any = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    if (json[i] != '\\') {
      out->push_back(json[i]);
      continue;
    }
    if (i + 1 == json.size() || std::string_view("\"\\/bfnrt").find(json[i + 1]) == npos()) {
      return JsonEscapes::kUnblankable;
    }
    out->append("  ");
    ++i;
    any = true;
  }
  return any ? JsonEscapes::kShortOnly : JsonEscapes::kNone;
}

TEST(JsonRedactGateTest, BlankedCopyMatchesTheReferenceAcrossBlockEdges) {
  std::mt19937 rng(17);
  const std::string alphabet = "\\\\\\\\\"nutx/ab";  // backslash runs are common
  std::string scratch;
  std::string want;
  int short_only = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string json;
    const std::size_t n = rng() % 200;
    for (std::size_t i = 0; i < n; ++i) json.push_back(alphabet[rng() % alphabet.size()]);
    std::string_view got;
    const JsonEscapes kind = BlankJsonEscapes(json, &scratch, &got);
    ASSERT_EQ(kind, ReferenceBlank(json, &want)) << json;
    ASSERT_EQ(ScanJsonEscapes(json), kind) << json;
    if (kind != JsonEscapes::kUnblankable) {
      ASSERT_EQ(got, want) << json;
      short_only += kind == JsonEscapes::kShortOnly;
    }
  }
  EXPECT_GT(short_only, 100);  // the blanking itself was exercised
}

TEST(JsonRedactGateTest, EscapesThatStraddleBlocksAndTheTextEnd) {
  std::string scratch;
  std::string_view got;
  // Byte 63 escapes byte 64 (the next block's first byte).
  std::string json = std::string(63, 'a') + "\\nb" + std::string(70, 'c');
  ASSERT_EQ(BlankJsonEscapes(json, &scratch, &got), JsonEscapes::kShortOnly);
  EXPECT_EQ(got, std::string(63, 'a') + "  b" + std::string(70, 'c'));
  // An even run ending at byte 63: byte 64 is plain.
  json = std::string(62, 'a') + "\\\\" + "n";
  ASSERT_EQ(BlankJsonEscapes(json, &scratch, &got), JsonEscapes::kShortOnly);
  EXPECT_EQ(got, std::string(62, 'a') + "  n");
  EXPECT_EQ(BlankJsonEscapes(std::string(63, 'a') + "\\", &scratch, &got),
            JsonEscapes::kUnblankable);  // a backslash ends the text
  EXPECT_EQ(BlankJsonEscapes(std::string(64, 'a') + "\\", &scratch, &got),
            JsonEscapes::kUnblankable);
  EXPECT_EQ(BlankJsonEscapes(R"("gh\u0070_")", &scratch, &got), JsonEscapes::kUnblankable);
  EXPECT_EQ(BlankJsonEscapes(R"("a\xb")", &scratch, &got), JsonEscapes::kUnblankable);
  EXPECT_EQ(BlankJsonEscapes(R"("a\\u0041")", &scratch, &got), JsonEscapes::kShortOnly);
  EXPECT_EQ(BlankJsonEscapes("", &scratch, &got), JsonEscapes::kNone);
  EXPECT_EQ(got, "");
}

TEST(JsonRedactGateTest, EscapeFreeKnowsWhichRulesCanMatchAnEscapedByte) {
  for (const BuiltinSecretPattern& p : BuiltinSecretPatterns()) {
    if (p.gate.empty()) {
      EXPECT_TRUE(EscapeFree(p.expression, false)) << p.name;
    } else {
      EXPECT_FALSE(EscapeFree(p.expression, false)) << p.name;
      EXPECT_TRUE(EscapeFree(p.gate, false)) << p.name;
    }
  }
  for (const char* yes : {"ab[#-.0-9]+", R"(x\-y\.z\d\w\b)", "(?:a|b){3,}", "[]a]x"}) {
    EXPECT_TRUE(EscapeFree(yes, false)) << yes;
  }
  for (const char* no : {"a.b", "[^a]", R"(\s)", "[!-~]", R"(x\/y)", "(?i)abc", R"(\x41)",
                         R"([\b])", "a\"b", "[[:alpha:]]", R"(a\\b)", "[ab"}) {
    EXPECT_FALSE(EscapeFree(no, false)) << no;
  }
  EXPECT_TRUE(EscapeFree("a.b^$", true));
  EXPECT_FALSE(EscapeFree("a/b", true));
}

// A JSON string holding `text`, each byte escaped the way a writer might:
// the must-escape bytes in short or \u form, others now and then as \u00XX
// (or \/ for a slash).
std::string Quote(std::string_view text, std::mt19937& rng) {
  std::string out = "\"";
  char buf[8];
  for (unsigned char c : text) {
    const bool must = c == '"' || c == '\\' || c < 0x20;
    const char* short_form = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '"' ? "\\\"" : "\\\\";
    if (must && (c == '\n' || c == '\t' || c == '"' || c == '\\') && rng() % 4 != 0) {
      out += short_form;
    } else if (must || rng() % 200 == 0) {
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (c == '/' && rng() % 3 == 0) {
      out += "\\/";
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// Random text: tokens (whole, cut, next to each other), look-alikes, words,
// and the bytes escapes stand for.
std::string Text(testutil::TokenMaker& maker, std::mt19937& rng) {
  static const std::vector<std::string> kBits = {"\n", "\"", "\\", "/", "\t", " ", "x=", "KEY="};
  std::vector<testutil::SecretToken> tokens = maker.All();
  std::vector<std::string> look = testutil::LookAlikes();
  std::string s;
  for (std::size_t n = rng() % 6; n > 0; --n) {
    switch (rng() % 8) {
      case 0: {  // a token, often right after or before an escaped byte
        std::string t = tokens[rng() % tokens.size()].value;
        if (rng() % 3 == 0) t.resize(rng() % t.size());
        if (rng() % 2 == 0) s += kBits[rng() % 5];
        s += t;
        if (rng() % 2 == 0) s += kBits[rng() % 5];
        break;
      }
      case 1:
      case 2:
        s += look[rng() % look.size()];
        break;
      case 3:
      case 4:
        s += maker.Alnum(rng() % 12);
        break;
      default:
        s += kBits[rng() % kBits.size()];
    }
  }
  return s;
}

std::string RandomJson(testutil::TokenMaker& maker, std::mt19937& rng) {
  std::string json = "{";
  for (std::size_t m = 1 + rng() % 4; m > 0; --m) {
    json += Quote(rng() % 4 == 0 ? Text(maker, rng) : maker.Alnum(5), rng) + ":";
    if (rng() % 3 == 0) {
      json += "[" + Quote(Text(maker, rng), rng) + "," + Quote(Text(maker, rng), rng) + "]";
    } else {
      json += Quote(Text(maker, rng), rng);
    }
    json += m > 1 ? "," : "}";
  }
  return json;
}

// Checks the gate over random JSON texts with the redactor `r`: a text it
// passes must be one the walk leaves alone. Returns how many it passed.
int CheckGateNeverMisses(const Redactor& r, std::uint32_t seed) {
  std::mt19937 rng(seed);
  testutil::TokenMaker maker(seed);
  int passed = 0;
  for (int round = 0; round < 3000; ++round) {
    const std::string json = RandomJson(maker, rng);
    const Screen screen = r.scanner().ScreenJson(json);
    std::string out;
    auto count = RedactJsonStrings(r.scanner(), json, false, &out);
    EXPECT_TRUE(count.ok()) << json;
    if (screen != Screen::kMayMatch) {
      ++passed;
      EXPECT_EQ(*count, 0u) << "the gate missed a match in " << json << "\nredacted: " << out;
    }
  }
  return passed;
}

TEST(JsonRedactGateTest, BlankedGateNeverMissesAMatchTheWalkWouldMake) {
  Redactor r;
  ASSERT_TRUE(r.SetPatterns(SecretPatterns{}).ok());
  EXPECT_GT(CheckGateNeverMisses(r, 1), 300);
}

TEST(JsonRedactGateTest, DecodedAndAnchoredGatesNeverMissEither) {
  Redactor decoded;  // a user rule that can match an escaped byte
  SecretPatterns p;
  p.custom["key_line"] = "KEY=[^ ]{3,}";
  ASSERT_TRUE(decoded.SetPatterns(p).ok());
  EXPECT_GT(CheckGateNeverMisses(decoded, 2), 100);
  Redactor anchored;
  p.custom["ticket_line"] = "^x=[A-Za-z0-9]{4}";
  ASSERT_TRUE(anchored.SetPatterns(p).ok());
  EXPECT_EQ(CheckGateNeverMisses(anchored, 3), 0);  // anchored: always walks
}

TEST(JsonRedactGateTest, ScreenTellsTheEscapesItSaw) {
  Redactor r;
  ASSERT_TRUE(r.SetPatterns(SecretPatterns{}).ok());
  const SecretScanner& s = r.scanner();
  EXPECT_EQ(s.ScreenJson(R"({"a":"plain"})"), Screen::kNoMatchNoBackslash);
  EXPECT_EQ(s.ScreenJson(R"({"a":"x\ny \/ \"q\""})"), Screen::kNoMatchShortEscapes);
  EXPECT_EQ(s.ScreenJson(R"({"a":"caf\u00e9"})"), Screen::kNoMatch);  // decoded instead
  // \n before a key id: the raw `n` is a word byte, the decoded newline not.
  EXPECT_EQ(s.ScreenJson(R"({"a":"\nAKIA0123456789ABCDEF\n"})"), Screen::kMayMatch);
  // The key block's body holds escaped newlines and slashes.
  testutil::TokenMaker maker(5);
  std::mt19937 rng(5);
  const std::string key = maker.PemKey("RSA PRIVATE KEY");
  EXPECT_EQ(s.ScreenJson("{\"k\":" + Quote(key, rng) + "}"), Screen::kMayMatch);
  EXPECT_EQ(s.ScreenJson(R"({"a":"gh\u0070_)" + std::string(36, 'Z') + R"("})"), Screen::kMayMatch);
}

TEST(JsonRedactGateTest, PublishPathRedactsTokensNextToEscapesAndLeavesKeys) {
  Redactor r;
  ASSERT_TRUE(r.SetPatterns(SecretPatterns{}).ok());
  auto parsed = ParseEvent(R"({"action":"run","source":"agent","args":{}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  Event e = *parsed;
  const std::string token = "ghp_" + std::string(36, 'k');
  e.args_json = R"({"a":"\n)" + token + R"(\t","b":"x\/AKIA0123456789ABCDEF","c":["\")" + token +
                R"(\""],")" + token + R"(":1})";
  std::string out;
  ASSERT_TRUE(AppendRedactedEventJson(e, r, &out).ok());
  EXPECT_NE(out.find(R"("a":"\n<secret_hidden:github_token>\t")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("b":"x/<secret_hidden:aws_access_key_id>")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("c":["\"<secret_hidden:github_token>\""])"), std::string::npos) << out;
  EXPECT_NE(out.find("\"" + token + "\":1"), std::string::npos) << out;  // a key stays
  Event copy = e;
  r.RedactEvent(&copy);
  std::string reference;
  ASSERT_TRUE(AppendEventJson(copy, &reference).ok());
  EXPECT_EQ(out, reference);
}

}  // namespace
}  // namespace evbus
