#include "core/redactor.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <thread>
#include <vector>

namespace evbus {
namespace {

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << "not valid JSON: " << json;
  return doc;
}

std::string RedactWholeEvent(const Redactor& r, std::string_view json) {
  std::string out;
  Result<std::size_t> count = r.RedactJson(json, &out, /*protect_top_level_metadata=*/true);
  EXPECT_TRUE(count.ok()) << count.status().ToString();
  return out;
}

// OpenHands test_secrets_replaced_in_content.
TEST(RedactorTest, RedactsSecretInCmdRunActionCommand) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"api_key", "secret123"}}).ok());
  const std::string json =
      R"({"id": 5, "timestamp": "2025-07-18T17:01:36.799608", "source": "agent",)"
      R"( "message": "Running command: curl -H 'Authorization: Bearer secret123' https://api",)"
      R"( "action": "run", "args": {"command": "curl -H 'Authorization: Bearer secret123' https://api",)"
      R"( "is_input": false, "thought": "", "blocking": false, "hidden": false}})";
  rapidjson::Document doc = Parse(RedactWholeEvent(r, json));
  const std::string command = doc["args"]["command"].GetString();
  EXPECT_NE(command.find("<secret_hidden>"), std::string::npos);
  EXPECT_EQ(command.find("secret123"), std::string::npos);
  // Ours, unlike OpenHands: the message that repeats the command is redacted too.
  EXPECT_EQ(std::string(doc["message"].GetString()).find("secret123"), std::string::npos);
}

// OpenHands test_timestamp_not_affected_by_secret_replacement.
TEST(RedactorTest, KeepsTopLevelTimestampWhenSecretOccursInIt) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"s", "18"}}).ok());
  rapidjson::Document doc = Parse(RedactWholeEvent(
      r, R"({"id": 18, "timestamp": "2025-07-18T17:01:36.799608", "source": "agent", )"
         R"("message": "", "observation": "null", "content": "page 18", "extras": {}})"));
  EXPECT_STREQ(doc["timestamp"].GetString(), "2025-07-18T17:01:36.799608");
  EXPECT_EQ(doc["id"].GetInt(), 18);
  EXPECT_STREQ(doc["content"].GetString(), "page <secret_hidden>");

  Event event;  // the typed timestamp cannot be touched at all
  event.timestamp_ns = 1752850896799608000;
  event.content = "page 18";
  EXPECT_EQ(r.RedactEvent(&event), 1u);
  EXPECT_EQ(event.timestamp_ns, 1752850896799608000);
}

// OpenHands test_protected_fields_not_affected_by_secret_replacement, except
// that the top-level message is redacted (OpenHands leaks it).
TEST(RedactorTest, KeepsProtectedMetadataButRedactsContentAndMessage) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "123"}, {"b", "user"}, {"c", "run"}, {"d", "Running"}}).ok());
  const std::string json =
      R"({"id": 123, "timestamp": "2025-07-18T17:01:36.799608", "source": "user", "cause": 123,)"
      R"( "message": "Running as user 123", "observation": "run", "content": "user ran 123",)"
      R"( "extras": {"command": "run", "metadata": {"exit_code": 0}}})";
  rapidjson::Document doc = Parse(RedactWholeEvent(r, json));
  EXPECT_EQ(doc["id"].GetInt(), 123);
  EXPECT_STREQ(doc["timestamp"].GetString(), "2025-07-18T17:01:36.799608");
  EXPECT_STREQ(doc["source"].GetString(), "user");
  EXPECT_EQ(doc["cause"].GetInt(), 123);
  EXPECT_STREQ(doc["observation"].GetString(), "run");
  EXPECT_STREQ(doc["content"].GetString(), "<secret_hidden> ran <secret_hidden>");
  EXPECT_STREQ(doc["message"].GetString(),
               "<secret_hidden> as <secret_hidden> <secret_hidden>");  // "Running" beats "run"
  EXPECT_STREQ(doc["extras"]["command"].GetString(), "<secret_hidden>");

  rapidjson::Document action = Parse(RedactWholeEvent(
      r,
      R"({"id": 1, "source": "user", "message": "", "action": "run", "args": {"command": "x"}})"));
  EXPECT_STREQ(action["action"].GetString(), "run");
}

// OpenHands test_nested_dict_secret_replacement.
TEST(RedactorTest, RedactsNestedValuesIncludingNestedTimestampKey) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"db", "password123"}}).ok());
  const std::string json =
      R"({"id": 1, "timestamp": "2025-07-18T17:01:36.799608password123", "source": "agent",)"
      R"( "message": "", "action": "run", "args": {"command": "login --pw password123",)"
      R"( "env": {"SECRET_KEY": "password123", "timestamp": "password123-ts"}}})";
  rapidjson::Document doc = Parse(RedactWholeEvent(r, json));
  EXPECT_STREQ(doc["timestamp"].GetString(), "2025-07-18T17:01:36.799608password123");
  EXPECT_STREQ(doc["args"]["command"].GetString(), "login --pw <secret_hidden>");
  EXPECT_STREQ(doc["args"]["env"]["SECRET_KEY"].GetString(), "<secret_hidden>");
  EXPECT_STREQ(doc["args"]["env"]["timestamp"].GetString(), "<secret_hidden>-ts");
}

TEST(RedactorTest, RedactsEveryStringFieldOfAnEvent) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"t", "tok"}}).ok());
  Event e;
  e.message = "msg tok";
  e.content = "tok";
  e.args_json = R"({"image_urls": ["https://x/?k=tok", null], "tok": 1})";
  e.extras_json = R"({"metadata": {"prefix": "tok"}})";
  e.tool_call_metadata_json = R"({"function_name": "f", "model_response": {"c": ["tok"]}})";
  e.llm_metrics_json = R"({"costs": [{"model": "tok", "cost": 0.5}]})";
  e.unknown_fields = {{"extra_key", R"("tok")"}, {"tok", "17"}};
  EXPECT_EQ(r.RedactEvent(&e), 7u);
  EXPECT_EQ(e.message, "msg <secret_hidden>");
  EXPECT_EQ(e.content, "<secret_hidden>");
  EXPECT_EQ(e.args_json, R"({"image_urls": ["https://x/?k=<secret_hidden>", null], "tok": 1})");
  EXPECT_EQ(e.extras_json, R"({"metadata": {"prefix": "<secret_hidden>"}})");
  EXPECT_EQ(e.tool_call_metadata_json,
            R"({"function_name": "f", "model_response": {"c": ["<secret_hidden>"]}})");
  EXPECT_EQ(e.llm_metrics_json, R"({"costs": [{"model": "<secret_hidden>", "cost": 0.5}]})");
  EXPECT_EQ(e.unknown_fields[0].second, R"("<secret_hidden>")");
  EXPECT_EQ(e.unknown_fields[1].first, "tok");  // keys are never changed
}

TEST(RedactorTest, LeavesFieldsWithoutSecretsUncopied) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"t", "tok"}}).ok());
  Event e;
  e.content = std::string(200, 'c');
  e.args_json = R"({"command": ")" + std::string(200, 'x') + R"("})";
  e.extras_json = R"({"a": "tok"})";
  const char* content_data = e.content.data();
  const char* args_data = e.args_json.data();
  EXPECT_EQ(r.RedactEvent(&e), 1u);
  EXPECT_EQ(e.content.data(), content_data);
  EXPECT_EQ(e.args_json.data(), args_data);
}

TEST(RedactorTest, MalformedJsonFieldIsRedactedAsPlainBytes) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"t", "tok"}}).ok());
  Event e;
  e.args_json = R"({"command": "tok)";  // truncated
  EXPECT_EQ(r.RedactEvent(&e), 1u);
  EXPECT_EQ(e.args_json, R"({"command": "<secret_hidden>)");

  std::string out;
  Result<std::size_t> count = r.RedactJson(R"(["tok", )", &out, false);
  EXPECT_TRUE(count.status().IsInvalidArgument());
  EXPECT_EQ(out, R"(["<secret_hidden>", )");  // fail closed
}

TEST(RedactorTest, SecretsInsidePlaceholderDoNotCorruptIt) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "secret"}, {"b", "hidden"}, {"c", "<"}}).ok());
  std::string text = "x<y my secret is hidden";
  EXPECT_EQ(r.RedactText(&text), 3u);
  EXPECT_EQ(text, "x<secret_hidden>y my <secret_hidden> is <secret_hidden>");
}

TEST(RedactorTest, OverlappingSecretsTakeLongestLeftmost) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"1", "abc"}, {"2", "abcdef"}, {"3", "bcd"}}).ok());
  std::string text = "abcdef abcd bcdabc";
  EXPECT_EQ(r.RedactText(&text), 4u);
  EXPECT_EQ(text, "<secret_hidden> <secret_hidden>d <secret_hidden><secret_hidden>");
}

TEST(RedactorTest, IgnoresEmptySecretValues) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"empty", ""}}).ok());
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.secrets().size(), 1u);
  std::string text = "ab";
  EXPECT_EQ(r.RedactText(&text), 0u);
  EXPECT_EQ(text, "ab");
}

TEST(RedactorTest, SetSecretsReplacesTheWholeSet) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"github_token", "ghp_one"}}).ok());
  ASSERT_TRUE(r.SetSecrets({{"custom", "cust_two"}}).ok());
  EXPECT_EQ(r.secrets(), (Redactor::SecretMap{{"custom", "cust_two"}}));
  std::string text = "ghp_one cust_two";
  EXPECT_EQ(r.RedactText(&text), 1u);
  EXPECT_EQ(text, "ghp_one <secret_hidden>");
}

TEST(RedactorTest, UpdateSecretsMergesAndOverwritesByName) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"github_token", "old_tok"}, {"other", "keep_me"}}).ok());
  ASSERT_TRUE(r.UpdateSecrets({{"github_token", "new_tok"}, {"added", "add_me"}}).ok());
  EXPECT_EQ(r.secrets(),
            (Redactor::SecretMap{
                {"added", "add_me"}, {"github_token", "new_tok"}, {"other", "keep_me"}}));
  std::string text = "old_tok new_tok keep_me add_me";
  EXPECT_EQ(r.RedactText(&text), 3u);
  EXPECT_EQ(text, "old_tok <secret_hidden> <secret_hidden> <secret_hidden>");
}

TEST(RedactorTest, DuplicateValuesUnderDifferentNamesCollapse) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "same"}, {"b", "same"}}).ok());
  EXPECT_EQ(r.matcher().pattern_count(), 1u);
  std::string text = "same";
  EXPECT_EQ(r.RedactText(&text), 1u);
}

TEST(RedactorTest, RefusesSecretSetOverTheSizeLimitAndKeepsTheOldSet) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "small"}}).ok());
  Status s = r.SetSecrets({{"huge", std::string(Redactor::kMaxTotalSecretBytes + 1, 'k')}});
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("limit"), std::string::npos);
  EXPECT_EQ(r.secrets(), (Redactor::SecretMap{{"a", "small"}}));
}

TEST(RedactorTest, CopiesKeepTheirOwnSecretSet) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "first"}}).ok());
  const Redactor copy = r;
  EXPECT_EQ(&copy.matcher(), &r.matcher());  // shared, not duplicated
  ASSERT_TRUE(r.SetSecrets({{"a", "second"}}).ok());
  std::string text = "first second";
  EXPECT_EQ(copy.RedactText(&text), 1u);
  EXPECT_EQ(text, "<secret_hidden> second");
}

TEST(RedactorTest, ConcurrentReadersGetTheSameResult) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "tok-1"}, {"b", "tok-22"}}).ok());
  const std::string json = R"({"a": ["tok-1", "x tok-22 y"], "b": {"c": "tok-1tok-22"}})";
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        std::string out;
        Result<std::size_t> count = r.RedactJson(json, &out, false);
        if (!count.ok() || *count != 4 || out.find("tok") != std::string::npos) ++wrong[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
}

}  // namespace
}  // namespace evbus
