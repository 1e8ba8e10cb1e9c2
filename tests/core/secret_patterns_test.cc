// Secret patterns in the Redactor: the built-in formats, user patterns, the
// placeholders, the one-pass merge with registered secrets, refusals.
#include "core/secret_patterns.h"

#include <gtest/gtest.h>

#include <string>

#include "core/redactor.h"
#include "tests/testutil/secret_tokens.h"

namespace evbus {
namespace {

Redactor WithBuiltins() {
  Redactor r;
  EXPECT_TRUE(r.SetPatterns(SecretPatterns{}).ok());
  return r;
}

std::string Redacted(const Redactor& r, std::string text) {
  r.RedactText(&text);
  return text;
}

TEST(SecretPatternsTest, EveryBuiltinFormatIsRedactedWithItsRuleName) {
  const Redactor r = WithBuiltins();
  testutil::TokenMaker maker(1);
  for (const testutil::SecretToken& t : maker.All()) {
    EXPECT_EQ(Redacted(r, "a " + t.value + " b"), "a <secret_hidden:" + t.rule + "> b") << t.value;
    EXPECT_EQ(Redacted(r, t.value), "<secret_hidden:" + t.rule + ">") << "whole string";
  }
}

TEST(SecretPatternsTest, LookAlikesAreLeftAlone) {
  const Redactor r = WithBuiltins();
  for (const std::string& text : testutil::LookAlikes()) EXPECT_EQ(Redacted(r, text), text);
}

TEST(SecretPatternsTest, ADefaultRedactorHasNoPatterns) {
  Redactor r;
  testutil::TokenMaker maker(2);
  const std::string token = maker.All().front().value;
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(Redacted(r, token), token);
}

TEST(SecretPatternsTest, BuiltinsSwitchOffAndOnByName) {
  Redactor r = WithBuiltins();
  std::string jwt;
  for (const testutil::SecretToken& t : testutil::TokenMaker(3).All()) {
    if (t.rule == "jwt") jwt = t.value;
  }
  ASSERT_EQ(jwt.substr(0, 3), "eyJ");
  ASSERT_TRUE(r.UpdatePatterns(SecretPatterns{{{"jwt", false}}, {}, {}}).ok());
  EXPECT_EQ(Redacted(r, jwt), jwt);
  ASSERT_TRUE(r.UpdatePatterns(SecretPatterns{{{"jwt", true}}, {}, {}}).ok());
  EXPECT_EQ(Redacted(r, jwt), "<secret_hidden:jwt>");
}

TEST(SecretPatternsTest, UserPatternsAreAddedAndRemovedByName) {
  Redactor r;
  ASSERT_TRUE(r.SetPatterns(SecretPatterns::None()).ok());
  ASSERT_TRUE(r.UpdatePatterns(SecretPatterns{{}, {{"ticket", "TCK-[0-9]{6}"}}, {}}).ok());
  EXPECT_EQ(Redacted(r, "see TCK-123456."), "see <secret_hidden:ticket>.");
  ASSERT_TRUE(r.UpdatePatterns(SecretPatterns{{}, {{"ticket", ""}}, {}}).ok());
  EXPECT_TRUE(r.patterns().custom.empty());
  EXPECT_EQ(Redacted(r, "see TCK-123456."), "see TCK-123456.");
}

TEST(SecretPatternsTest, PlaceholderIsConfigurable) {
  Redactor r;
  SecretPatterns p;
  p.placeholder = "[{rule} removed]";
  ASSERT_TRUE(r.SetPatterns(p).ok());
  EXPECT_EQ(Redacted(r, "k=AKIA0123456789ABCDEF"), "k=[aws_access_key_id removed]");
  p.placeholder = "<secret_hidden>";  // OpenHands' literal for everything
  ASSERT_TRUE(r.SetPatterns(p).ok());
  EXPECT_EQ(Redacted(r, "k=AKIA0123456789ABCDEF"), "k=<secret_hidden>");
}

TEST(SecretPatternsTest, LeftmostThenLongestAcrossSecretsAndPatterns) {
  Redactor r = WithBuiltins();
  const std::string token = "ghp_" + std::string(36, 'a');
  // A registered secret equal to the token wins the tie: OpenHands' literal.
  ASSERT_TRUE(r.SetSecrets({{"gh", token}}).ok());
  EXPECT_EQ(Redacted(r, token + " x"), "<secret_hidden> x");
  // A shorter registered prefix loses to the longer pattern match.
  ASSERT_TRUE(r.SetSecrets({{"gh", "ghp_aaaa"}}).ok());
  EXPECT_EQ(Redacted(r, token), "<secret_hidden:github_token>");
  // A secret that begins earlier wins; the token that starts inside it is
  // hidden all the same (the span extends: fail closed).
  ASSERT_TRUE(r.SetSecrets({{"s", "xyzgh"}}).ok());
  EXPECT_EQ(Redacted(r, "1xyz" + token + " 2"), "1<secret_hidden> 2");
  // Placeholders are never rescanned, even one that looks like a token.
  const std::string rule = "Tok" + std::string(36, '7');
  ASSERT_TRUE(r.SetSecrets({{"s", "pw"}}).ok());
  ASSERT_TRUE(r.UpdatePatterns(SecretPatterns{{}, {{rule, "TOK-[0-9]{4}"}}, "ghp_{rule}"}).ok());
  EXPECT_EQ(Redacted(r, "pw TOK-1234"), "<secret_hidden> ghp_" + rule);
}

TEST(SecretPatternsTest, EscapedTokensInJsonAreRedacted) {
  const Redactor r = WithBuiltins();
  std::string out;
  // \/ and \u00XX inside the PEM body and the token: matched after decoding.
  const std::string json = R"({"content": "-----BEGIN PRIVATE KEY-----\nab\/cd+\u0065f==\n)"
                           R"(-----END PRIVATE KEY-----", "l": ["gh\u0070_)" +
                           std::string(36, 'Z') + R"("], "id": 7})";
  ASSERT_EQ(*r.RedactJson(json, &out, true), 2u);
  EXPECT_EQ(
      out,
      R"({"content": "<secret_hidden:private_key>", "l": ["<secret_hidden:github_token>"], "id": 7})");
}

TEST(SecretPatternsTest, BadPatternsAreRefusedByNameAndTheOldSetStays) {
  Redactor r;
  ASSERT_TRUE(r.SetPatterns(SecretPatterns{{}, {{"ok", "OK-[0-9]{4}"}}, {}}).ok());
  const SecretPatterns before = r.patterns();
  struct Case {
    SecretPatterns update;
    std::string says;
  };
  const Case cases[] = {
      {{{}, {{"empty_match", "x*"}}, {}}, "'empty_match' (x*) can match the empty string"},
      {{{}, {{"syntax", "(ab"}}, {}}, "'syntax' ((ab) is refused"},
      {{{}, {{"backref", "(a)\\1"}}, {}}, "'backref'"},
      {{{}, {{"huge", std::string(2000, 'a')}}, {}}, "over the limit of 1024"},
      {{{{"no_such_builtin", true}}, {}, {}},
       "no built-in secret pattern is named 'no_such_builtin'"},
      {{{}, {{"jwt", "abc"}}, {}}, "'jwt' is a built-in's"},
      {{{}, {{"bad name", "abc"}}, {}}, "name 'bad name'"},
      {{{}, {}, "<\"q\">"}, "holds a quote"},
  };
  for (const Case& c : cases) {
    Status st = r.UpdatePatterns(c.update);
    EXPECT_TRUE(st.IsInvalidArgument()) << c.says;
    EXPECT_NE(st.message().find(c.says), std::string::npos) << st.message();
    EXPECT_EQ(r.patterns(), before);
    EXPECT_EQ(Redacted(r, "OK-1234"), "<secret_hidden:ok>");
  }
  SecretPatterns many;
  for (int i = 0; i <= 64; ++i)
    many.custom["p" + std::to_string(i)] = "P" + std::to_string(i) + "x";
  EXPECT_TRUE(r.SetPatterns(many).IsInvalidArgument());
  EXPECT_EQ(r.patterns(), before);
}

// The publish path skips a JSON field only when no pattern can match in it:
// escapes are decoded for that check, and a rule with an anchor always walks.
TEST(SecretPatternsTest, PublishPathFindsEscapedAndAnchoredMatchesInJsonFields) {
  Redactor r;
  SecretPatterns p;
  p.custom["ticket_line"] = "^TCK-[0-9]{6}$";
  ASSERT_TRUE(r.SetPatterns(p).ok());
  auto parsed = ParseEvent(R"({"action":"run","source":"agent","args":{}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  Event e = *parsed;
  e.args_json = R"({"command":"ghp_)" + std::string(36, 'x') +
                R"(","env":["a
b","TCK-123456"],"k":"AKIA0123456789ABCDEF"})";
  std::string out;
  ASSERT_TRUE(AppendRedactedEventJson(e, r, &out).ok());
  EXPECT_NE(out.find(R"("command":"<secret_hidden:github_token>")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("<secret_hidden:ticket_line>")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("k":"<secret_hidden:aws_access_key_id>")"), std::string::npos) << out;
  // An anchored rule alone in a field: the raw text check cannot see it.
  e.args_json = R"({"env":["TCK-123456"]})";
  out.clear();
  ASSERT_TRUE(AppendRedactedEventJson(e, r, &out).ok());
  EXPECT_NE(out.find(R"({"env":["<secret_hidden:ticket_line>"]})"), std::string::npos) << out;
  // Without a match the field is copied as it is, escapes and all.
  e.args_json = R"({"command":"ls \/tmp
","x":"AKIA"})";
  out.clear();
  ASSERT_TRUE(AppendRedactedEventJson(e, r, &out).ok());
  EXPECT_NE(out.find(e.args_json), std::string::npos) << out;
}

TEST(SecretPatternsTest, ContainsSeesPatterns) {
  const Redactor r = WithBuiltins();
  EXPECT_TRUE(r.Contains("xx AKIA0123456789ABCDEF yy"));
  EXPECT_FALSE(r.Contains("xx AKIA yy"));
}

}  // namespace
}  // namespace evbus
