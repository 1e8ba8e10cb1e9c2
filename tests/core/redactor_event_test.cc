// Redaction of parsed events (ParseEvent -> RedactEvent -> EventToJson): the
// OpenHands cases on the wire format, and agreement with redacting the
// serialized event on every real trajectory event.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/redactor.h"
#include "tests/testutil/trajectories.h"

namespace evbus {
namespace {

const std::string kDataDir = EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories";

rapidjson::Document ParseDom(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << "not valid JSON: " << json;
  return doc;
}

Redactor With(const Redactor::SecretMap& secrets) {
  Redactor r;
  EXPECT_TRUE(r.SetSecrets(secrets).ok());
  return r;
}

Event Parsed(std::string_view json) {
  Result<Event> event = ParseEvent(json);
  EXPECT_TRUE(event.ok()) << event.status().ToString();
  return event.ok() ? std::move(event).value() : Event{};
}

// OpenHands test_timestamp_not_affected_by_secret_replacement, on the wire.
TEST(RedactorEventTest, SerializedTimestampKeepsDigitsThatAreASecret) {
  const Redactor r = With({{"s", "18"}});
  Event e =
      Parsed(R"({"id": 18, "timestamp": "2025-07-18T17:01:36.799608", "source": "agent",)"
             R"( "message": "", "observation": "null", "content": "18 items", "extras": {}})");
  const std::string before = EventToJson(e);
  EXPECT_EQ(r.RedactEvent(&e), 1u);
  rapidjson::Document doc = ParseDom(EventToJson(e));
  EXPECT_STREQ(doc["timestamp"].GetString(), "2025-07-18T17:01:36.799608");
  EXPECT_EQ(doc["id"].GetInt(), 18);
  EXPECT_STREQ(doc["content"].GetString(), "<secret_hidden> items");

  std::string out;
  ASSERT_TRUE(r.RedactJson(before, &out, /*protect_top_level_metadata=*/true).ok());
  EXPECT_STREQ(ParseDom(out)["timestamp"].GetString(), "2025-07-18T17:01:36.799608");
}

// OpenHands test_secrets_replaced_in_content and test_nested_dict_secret_
// replacement, through the event model.
TEST(RedactorEventTest, RedactsCommandAndNestedEnvOfAParsedCmdRunAction) {
  const Redactor r = With({{"api_key", "secret123"}, {"db", "password123"}});
  Event e = Parsed(
      R"({"id": 3, "timestamp": "2025-07-18T17:01:36.799608", "source": "agent",)"
      R"( "message": "Running command: curl -H 'Bearer secret123' https://api", "action": "run",)"
      R"( "args": {"command": "curl -H 'Bearer secret123' https://api", "is_input": false,)"
      R"( "thought": "", "blocking": false, "is_static": false, "cwd": null, "hidden": false,)"
      R"( "confirmation_state": "confirmed", "security_risk": -1,)"
      R"( "env": {"SECRET_KEY": "password123", "timestamp": "password123"}}})");
  EXPECT_EQ(r.RedactEvent(&e), 4u);
  const std::string json = EventToJson(e);
  EXPECT_FALSE(r.Contains(json)) << json;
  rapidjson::Document doc = ParseDom(json);
  EXPECT_STREQ(doc["args"]["command"].GetString(), "curl -H 'Bearer <secret_hidden>' https://api");
  EXPECT_STREQ(doc["args"]["env"]["SECRET_KEY"].GetString(), "<secret_hidden>");
  EXPECT_STREQ(doc["args"]["env"]["timestamp"].GetString(), "<secret_hidden>");
  EXPECT_STREQ(doc["timestamp"].GetString(), "2025-07-18T17:01:36.799608");
  EXPECT_STREQ(doc["action"].GetString(), "run");
}

std::vector<std::string> TrajectoryEvents() { return testutil::TrajectoryEventTexts(); }

TEST(RedactorEventTest, RedactEventAgreesWithRedactingTheSerializedEvent) {
  const std::vector<std::string> events = TrajectoryEvents();
  ASSERT_EQ(events.size(), 36u) << "expected the 36 events of " << kDataDir;
  const Redactor r = With({{"a", "2048"},
                           {"b", "game"},
                           {"c", "toolu_"},
                           {"d", "\n"},
                           {"e", "\""},
                           {"f", "agent"},
                           {"g", "run"},
                           {"h", "claude-3-5-sonnet-20241022"},
                           {"i", "2025-01-27"}});  // in every timestamp
  std::size_t total = 0;
  for (const std::string& text : events) {
    Event e = Parsed(text);
    std::string reference;
    Result<std::size_t> want = r.RedactJson(EventToJson(e), &reference, true);
    ASSERT_TRUE(want.ok()) << want.status().ToString();
    const std::size_t got = r.RedactEvent(&e);
    EXPECT_EQ(got, *want) << text;
    total += got;
    ASSERT_TRUE(ParseDom(EventToJson(e)) == ParseDom(reference)) << text;
    if (e.timestamp_ns) {
      EXPECT_TRUE(r.Contains(EventToJson(e)));  // the timestamp keeps its date
    }
  }
  EXPECT_GT(total, 100u);
}

}  // namespace
}  // namespace evbus
