// The run-based event writer against references: rapidjson's own string
// escaping, FormatTimestamp, the rapidjson-based writer it replaced, and
// RedactEvent + AppendEventJson for the redact-while-writing path.
#include <gtest/gtest.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <stdlib.h>
#include <time.h>

#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/json_append.h"
#include "core/json_text_writer.h"
#include "core/redactor.h"
#include "core/timestamp.h"
#include "tests/testutil/trajectories.h"

namespace evbus {
namespace {

std::string RapidjsonQuoted(std::string_view text) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The rapidjson-based writer AppendEventJson used to be: the byte reference.
std::string ReferenceEventJson(const Event& e) {
  std::string out;
  StringAppendStream stream(&out);
  WriterStackBuffer stack;
  JsonTextWriter w(stream, &stack.allocator);
  auto key = [&](std::string_view k) {
    w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
  };
  auto str = [&](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  auto raw = [&](std::string_view k, const std::string& json) {
    if (json.empty()) return;
    key(k);
    w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
  };
  w.StartObject();
  if (e.id >= 0) key("id"), w.Int64(e.id);
  if (e.timestamp_ns) key("timestamp"), str(FormatTimestamp(*e.timestamp_ns));
  if (e.source != Source::kNone) key("source"), str(SourceName(e.source));
  key("message"), str(e.message);
  if (e.cause) key("cause"), w.Int64(*e.cause);
  key(EventKindName(e.kind())), str(e.tag());
  raw("tool_call_metadata", e.tool_call_metadata_json);
  raw("llm_metrics", e.llm_metrics_json);
  if (e.is_action()) {
    raw("args", e.args_json);
    if (e.timeout) key("timeout"), WritePythonFloat(w, *e.timeout);
  } else {
    key("content"), str(e.content);
    raw("extras", e.extras_json);
    if (e.success) key("success"), w.Bool(*e.success);
  }
  for (const auto& [k, json] : e.unknown_fields) {
    key(k);
    if (json.empty()) {
      w.Null();
    } else {
      w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    }
  }
  w.EndObject();
  return out;
}

std::vector<Event> TrajectoryEvents() {
  std::vector<std::string> texts = testutil::TrajectoryEventTexts();
  std::ifstream lines(testutil::kTrajectoryDir + "/canonical.jsonl");
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) texts.push_back(line);
  }
  std::vector<Event> events;
  for (const auto& t : texts) {
    auto e = ParseEvent(t);
    if (e.ok()) events.push_back(std::move(*e));
  }
  return events;
}

class EventJsonWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("TZ", "UTC0", 1);
    tzset();
  }
};

TEST_F(EventJsonWriterTest, EscapesEveryByteExactlyAsRapidjson) {
  std::string all;
  for (int c = 1; c < 256; ++c) all.push_back(static_cast<char>(c));
  all.push_back('\0');
  std::string out;
  AppendJsonQuoted(all, &out);
  EXPECT_EQ(out, RapidjsonQuoted(all));
  // Escapes at every position of a 16-byte block, and runs across blocks.
  for (std::size_t at = 0; at < 40; ++at) {
    for (char special : {'"', '\\', '\n', '\x01', '\x1f'}) {
      std::string text(40, 'a');
      text[at] = special;
      out.clear();
      AppendJsonQuoted(text, &out);
      ASSERT_EQ(out, RapidjsonQuoted(text)) << "at " << at;
    }
  }
  out.clear();
  AppendJsonQuoted("h\xc3\xa9llo \xed\xb2\x80 \x7f", &out);  // UTF-8, WTF-8, DEL copied
  EXPECT_EQ(out, RapidjsonQuoted("h\xc3\xa9llo \xed\xb2\x80 \x7f"));
}

TEST_F(EventJsonWriterTest, TimestampTextEqualsFormatTimestampAcrossSecondsAndZones) {
  const std::int64_t base = 1752858096'799608123;
  for (const char* tz : {"UTC0", "EST5EDT,M3.2.0,M11.1.0", "UTC0"}) {
    setenv("TZ", tz, 1);
    tzset();
    for (std::int64_t delta :
         {std::int64_t{0}, std::int64_t{1}, std::int64_t{999}, std::int64_t{1000},
          std::int64_t{-200'000'000}, std::int64_t{1'000'000'000}, std::int64_t{3'600'000'000'000},
          -base - 1}) {
      std::string out;
      AppendTimestampText(base + delta, &out);
      ASSERT_EQ(out, FormatTimestamp(base + delta)) << tz << " " << base + delta;
    }
    std::string out;
    AppendTimestampText(1752858096'000000000, &out);  // whole second: no fraction
    EXPECT_EQ(out, FormatTimestamp(1752858096'000000000));
  }
}

TEST_F(EventJsonWriterTest, WritesEveryTrajectoryEventAsTheRapidjsonWriterDid) {
  const std::vector<Event> events = TrajectoryEvents();
  ASSERT_GE(events.size(), 72u);
  for (const Event& e : events) ASSERT_EQ(EventToJson(e), ReferenceEventJson(e));
}

TEST_F(EventJsonWriterTest, WritesEdgeCaseEventsAsTheRapidjsonWriterDid) {
  auto e = ParseEvent(
      R"({"id":7,"timestamp":"2025-07-18T17:01:36","source":"user","message":"a\"b\\c\nd\u0001",)"
      R"("cause":-3,"action":"run","args":{"command":"ls"},"timeout":120.0,"zz\"k":[1,2],"e":null})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  e->unknown_fields.emplace_back("empty", "");
  EXPECT_EQ(EventToJson(*e), ReferenceEventJson(*e));
  auto o = ParseEvent(R"({"observation":"run","content":"\t\u00e9","extras":{},"success":false})");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(EventToJson(*o), ReferenceEventJson(*o));
}

// A type or source that no OpenHands event has (a caller's mistake, or bytes
// from shared memory or a page) gives no JSON, in every build type: never an
// assert, never a read past the type table, never "source":"".
TEST_F(EventJsonWriterTest, WritesNothingForAnUnregisteredTypeOrSource) {
  auto parsed = ParseEvent(R"({"source":"agent","action":"run","args":{"command":"ls"}})");
  ASSERT_TRUE(parsed.ok());
  for (EventTypeId type : {EventTypeId{40}, EventTypeId{977}, kInvalidEventType}) {
    Event bad_type = *parsed;
    bad_type.type = type;
    EXPECT_EQ(EventToJson(bad_type), "") << type;
  }
  for (int source : {4, 9, 255}) {
    Event bad_source = *parsed;
    bad_source.source = static_cast<Source>(static_cast<std::uint8_t>(source));
    EXPECT_EQ(EventToJson(bad_source), "") << source;
  }
}

TEST_F(EventJsonWriterTest, AppendRefusesAnUnregisteredTypeOrSourceSayingWhatToDo) {
  auto parsed = ParseEvent(R"({"source":"agent","action":"run","args":{"command":"ls"}})");
  ASSERT_TRUE(parsed.ok());
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "ls"}}).ok());
  Event bad_type = *parsed;
  bad_type.type = 977;
  std::string out = "kept";
  Status st = AppendEventJson(bad_type, &out);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("977"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("EventTypeFromTag"), std::string::npos) << st.message();
  st = AppendRedactedEventJson(bad_type, r, &out);
  EXPECT_TRUE(st.IsInvalidArgument());
  Event bad_source = *parsed;
  bad_source.source = static_cast<Source>(9);
  st = AppendEventJson(bad_source, &out);
  EXPECT_TRUE(st.IsInvalidArgument());
  EXPECT_NE(st.message().find("source 9"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("ParseSource"), std::string::npos) << st.message();
  EXPECT_TRUE(AppendRedactedEventJson(bad_source, r, &out).IsInvalidArgument());
  EXPECT_EQ(out, "kept");  // nothing appended
  EXPECT_TRUE(ValidateEvent(*parsed).ok());
  EXPECT_TRUE(ValidateEvent(bad_type).IsInvalidArgument());
  EXPECT_TRUE(ValidateEvent(bad_source).IsInvalidArgument());
}

TEST_F(EventJsonWriterTest, RedactsWhileWritingAsRedactEventThenWrite) {
  Redactor r;
  // Real substrings, escaped characters, ones in protected metadata.
  ASSERT_TRUE(r.SetSecrets({{"a", "2048"},
                            {"b", "game_2048"},
                            {"c", "self.board"},
                            {"d", "\n"},
                            {"e", "\""},
                            {"f", "agent"},
                            {"g", "run"},
                            {"h", "claude-3-5-sonnet-20241022"},
                            {"i", "toolu_"}})
                  .ok());
  std::size_t changed = 0;
  for (const Event& e : TrajectoryEvents()) {
    Event copy = e;
    const std::size_t count = r.RedactEvent(&copy);
    changed += count > 0;
    std::string got;
    ASSERT_TRUE(AppendRedactedEventJson(e, r, &got).ok());
    ASSERT_EQ(got, EventToJson(copy));
  }
  EXPECT_GT(changed, 20u) << "the secrets occur in the events";
  auto parsed = ParseEvent(R"({"action":"run","args":{}})");
  ASSERT_TRUE(parsed.ok());
  Event malformed = std::move(*parsed);
  malformed.args_json = R"({"command":"run 2048)";  // not JSON: redacted as plain bytes
  Event copy = malformed;
  r.RedactEvent(&copy);
  std::string got;
  ASSERT_TRUE(AppendRedactedEventJson(malformed, r, &got).ok());
  EXPECT_EQ(got, EventToJson(copy));
  EXPECT_EQ(got.find("2048"), std::string::npos);
}

TEST_F(EventJsonWriterTest, RedactsEscapedJsonFieldsWithSecretsFreeOfEscapeBytes) {
  Redactor r;
  ASSERT_TRUE(r.SetSecrets({{"a", "2048"},
                            {"b", "self.board"},
                            {"c", "toolu_"},
                            {"d", "game"},
                            {"e", "claude-3-5-sonnet-20241022"}})
                  .ok());
  std::size_t changed = 0;
  for (const Event& e : TrajectoryEvents()) {
    Event copy = e;
    changed += r.RedactEvent(&copy) > 0;
    std::string got;
    ASSERT_TRUE(AppendRedactedEventJson(e, r, &got).ok());
    ASSERT_EQ(got, EventToJson(copy));
  }
  EXPECT_GT(changed, 20u);
  // A secret hidden behind a \u escape, one after a short escape, one
  // spelled across an escape (not a match), and one only in a key.
  auto parsed = ParseEvent(R"({"action":"run","args":{}})");
  ASSERT_TRUE(parsed.ok());
  for (const char* args :
       {R"({"command":"\u0067ame over"})", R"({"command":"x\ngame"})", R"({"command":"ga\nme"})",
        R"({"game":"x\ty"})", R"({"command":"\\u0067ame"})"}) {
    Event e = *parsed;
    e.args_json = args;
    Event copy = e;
    r.RedactEvent(&copy);
    std::string got;
    ASSERT_TRUE(AppendRedactedEventJson(e, r, &got).ok());
    EXPECT_EQ(got, EventToJson(copy)) << args;
  }
  Event e = *parsed;
  e.args_json = R"({"command":"\u0067ame over"})";
  std::string got;
  ASSERT_TRUE(AppendRedactedEventJson(e, r, &got).ok());
  EXPECT_NE(got.find("<secret_hidden> over"), std::string::npos) << got;
}

}  // namespace
}  // namespace evbus
