#include "core/json_redact.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "core/json_string_codec.h"

namespace evbus {
namespace {

constexpr std::string_view kHidden = "<secret_hidden>";

struct Redacted {
  Status status;
  std::size_t count = 0;
  std::string out;
};

Redacted RedactWith(const std::vector<std::string>& secrets, std::string_view json,
                    bool protect = false) {
  SecretMatcher matcher(secrets);
  Redacted r;
  Result<std::size_t> count = RedactJsonStrings(matcher, json, kHidden, protect, &r.out);
  if (count.ok()) {
    r.count = *count;
  } else {
    r.status = count.status();
  }
  return r;
}

std::string Decode(std::string_view body) {
  std::string out;
  std::size_t bad = 0;
  EXPECT_TRUE(DecodeJsonStringBody(
      body, [&](std::string_view p) { out.append(p); }, &bad));
  return out;
}

TEST(JsonRedactTest, LeavesOutputUntouchedWhenNothingMatches) {
  Redacted r = RedactWith({"absent"}, R"({"a": "b", "c": [1, 2.5e3, true, null]})");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.count, 0u);
  EXPECT_EQ(r.out, "");  // nothing appended: the caller keeps its text
}

TEST(JsonRedactTest, RedactsStringValuesAtEveryDepthAndInArrays) {
  Redacted r = RedactWith({"tok"}, R"({"a":"tok","b":{"c":["x tok",{"d":[["tok"]]}]},"e":"ok"})");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.count, 3u);
  EXPECT_EQ(r.out, R"({"a":"<secret_hidden>","b":{"c":["x <secret_hidden>",)"
                   R"({"d":[["<secret_hidden>"]]}]},"e":"ok"})");
}

TEST(JsonRedactTest, NeverChangesKeysNumbersOrLiterals) {
  Redacted r =
      RedactWith({"tok", "18", "true", "null"}, R"({"tok": 18, "x": true, "y": null, "z": "18"})");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(r.out, R"({"tok": 18, "x": true, "y": null, "z": "<secret_hidden>"})");
}

TEST(JsonRedactTest, ProtectsOnlyTopLevelMetadataValues) {
  const std::string json =
      R"({"id": "abc", "timestamp": "abc", "source": "abc", "cause": "abc", "action": "abc",)"
      R"( "observation": {"k": "abc"}, "message": "abc", "args": {"id": "abc", "timestamp": "abc"}})";
  Redacted kept = RedactWith({"abc"}, json, /*protect=*/true);
  ASSERT_TRUE(kept.status.ok());
  EXPECT_EQ(kept.count, 3u);  // message, args.id, args.timestamp
  EXPECT_EQ(kept.out,
            R"({"id": "abc", "timestamp": "abc", "source": "abc", "cause": "abc", "action": "abc",)"
            R"( "observation": {"k": "abc"}, "message": "<secret_hidden>", "args": )"
            R"({"id": "<secret_hidden>", "timestamp": "<secret_hidden>"}})");
  EXPECT_EQ(RedactWith({"abc"}, json, /*protect=*/false).count, 9u);
}

TEST(JsonRedactTest, RecognisesEscapedProtectedKey) {
  Redacted r = RedactWith({"abc"}, R"({"time\u0073tamp": "abc"})", /*protect=*/true);
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.count, 0u);
}

TEST(JsonRedactTest, MatchesEscapedStringsByDecodedValue) {
  Redacted r = RedactWith({"a\"b", "API", "line1\nline2"},
                          R"(["x a\"b y", "\u0041PI", "line1\nline2", "a\\\"b"])");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.count, 3u);  // "a\\\"b" decodes to a\"b, which is not a"b
  EXPECT_EQ(r.out, R"(["x <secret_hidden> y", "<secret_hidden>", "<secret_hidden>", "a\\\"b"])");
}

TEST(JsonRedactTest, ReencodesChangedStringsAndKeepsUnchangedOnesVerbatim) {
  Redacted r = RedactWith({"k"}, R"(["k\u0041\n\t\"\\\/\u0001", "\u0041\/"])");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.count, 1u);
  EXPECT_EQ(r.out, R"(["<secret_hidden>A\n\t\"\\/\u0001", "\u0041\/"])");
}

TEST(JsonRedactTest, DecodesSurrogatePairsAndKeepsLoneSurrogates) {
  // U+1F511 (key) written as a pair, as Python's ensure_ascii writes it.
  Redacted r =
      RedactWith({"\xF0\x9F\x94\x91key"}, R"(["\ud83d\udd11key!", "\udc80 \ud83d\udd11key"])");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.out, R"(["<secret_hidden>!", "\udc80 <secret_hidden>"])");
}

TEST(JsonRedactTest, SecretSplitAcrossEscapesIsFound) {
  Redacted r = RedactWith({"p\u00e4ss"}, R"({"v": "p\u00e4ss and p\u00E4ss"})");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.count, 2u);
  EXPECT_EQ(r.out, R"({"v": "<secret_hidden> and <secret_hidden>"})");
}

TEST(JsonRedactTest, TopLevelScalarStringIsRedacted) {
  Redacted r = RedactWith({"tok"}, R"(  "a tok"  )");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.out, R"(  "a <secret_hidden>"  )");
}

TEST(JsonRedactTest, AcceptsPythonNonFiniteNumbers) {
  Redacted r = RedactWith({"tok"}, R"({"a": NaN, "b": -Infinity, "c": Infinity, "d": "tok"})");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.count, 1u);
}

TEST(JsonRedactTest, RejectsMalformedJsonWithOffsetAndLeavesOutputAsItWas) {
  for (std::string_view bad :
       {R"({"a": "tok")", R"({"a" "tok"})", R"(["tok",])", R"({"a": "tok"} x)", R"(["\q"])",
        R"(["\u12G4"])", R"(["tok)", R"({"a": 01})", R"({"a": -})", R"({"a": 1.})", "", "  "}) {
    SecretMatcher matcher({"tok"});
    std::string out = "kept";
    Result<std::size_t> r = RedactJsonStrings(matcher, bad, kHidden, false, &out);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_TRUE(r.status().IsInvalidArgument());
    EXPECT_NE(r.status().message().find("byte offset"), std::string::npos);
    EXPECT_EQ(out, "kept") << bad;
  }
}

TEST(JsonRedactTest, RejectsNestingDeeperThanTheLimit) {
  const std::string deep = std::string(kMaxRedactJsonDepth + 1, '[') + "\"tok\"" +
                           std::string(kMaxRedactJsonDepth + 1, ']');
  EXPECT_TRUE(RedactWith({"tok"}, deep).status.IsInvalidArgument());
  const std::string ok =
      std::string(kMaxRedactJsonDepth, '[') + "\"tok\"" + std::string(kMaxRedactJsonDepth, ']');
  EXPECT_EQ(RedactWith({"tok"}, ok).count, 1u);
}

TEST(JsonRedactTest, OutputParsesAsJsonWithTheRedactedValues) {
  Redacted r =
      RedactWith({"s3cr\"t", "\n", "é"}, R"({"a": "x s3cr\"t\ny", "b": ["\u00e9t\u00e9"]})");
  ASSERT_TRUE(r.status.ok());
  rapidjson::Document doc;
  doc.Parse(r.out.data(), r.out.size());
  ASSERT_FALSE(doc.HasParseError()) << r.out;
  EXPECT_STREQ(doc["a"].GetString(), "x <secret_hidden><secret_hidden>y");
  EXPECT_STREQ(doc["b"][0].GetString(), "<secret_hidden>t<secret_hidden>");
}

TEST(JsonStringCodecTest, EncodeThenDecodeIsIdentity) {
  std::string all;
  for (int b = 0; b < 128; ++b) all.push_back(static_cast<char>(b));
  all += "\xC3\xA9 \xF0\x9F\x94\x91 \xED\xB2\x80";  // é, U+1F511, lone U+DC80 (WTF-8)
  std::string encoded;
  AppendJsonStringBody(all, &encoded);
  EXPECT_EQ(Decode(encoded), all);
  EXPECT_NE(encoded.find("\\udc80"), std::string::npos);
  bool escapes = false;
  const std::string quoted = "\"" + encoded + "\"";
  EXPECT_EQ(FindJsonStringEnd(quoted, 1, &escapes), quoted.size() - 1);
  EXPECT_TRUE(escapes);
}

TEST(JsonStringCodecTest, FindsEndPastEscapedQuotesAndBackslashes) {
  bool escapes = false;
  EXPECT_EQ(FindJsonStringEnd(R"("a\"b\\" tail")", 1, &escapes), 7u);
  EXPECT_TRUE(escapes);
  EXPECT_EQ(FindJsonStringEnd(R"("plain" x)", 1, &escapes), 6u);
  EXPECT_FALSE(escapes);
  EXPECT_EQ(FindJsonStringEnd(R"("open\")", 1, &escapes), std::string_view::npos);
}

}  // namespace
}  // namespace evbus
