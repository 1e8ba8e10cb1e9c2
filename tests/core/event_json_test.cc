#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/timestamp.h"

namespace evbus {
namespace {

const std::string kTrajectories = EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One event as text, and where it came from (for failure messages).
struct Sample {
  std::string where;
  std::string json;
};

// Every event of every *.json trajectory (re-indented by rapidjson's
// PrettyWriter, so that the parser also meets whitespace) and every line of
// canonical.jsonl as it is.
std::vector<Sample> LoadTrajectoryEvents() {
  std::vector<Sample> samples;
  for (const auto& entry : std::filesystem::directory_iterator(kTrajectories)) {
    const std::string path = entry.path().string();
    if (entry.path().extension() == ".json") {
      rapidjson::Document doc;
      doc.Parse<rapidjson::kParseFullPrecisionFlag>(ReadFile(path).c_str());
      EXPECT_FALSE(doc.HasParseError()) << path;
      if (doc.HasParseError() || !doc.IsArray()) continue;
      for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
        rapidjson::StringBuffer buf;
        rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buf);
        doc[i].Accept(writer);
        samples.push_back({path + " [" + std::to_string(i) + "]", buf.GetString()});
      }
    } else if (entry.path().filename() == "canonical.jsonl") {
      std::istringstream lines(ReadFile(path));
      std::string line;
      for (int n = 1; std::getline(lines, line); ++n) {
        if (!line.empty()) samples.push_back({path + ":" + std::to_string(n), line});
      }
    }
  }
  return samples;
}

// Equal as parsed values, the way Python compares the dicts json.loads gives:
// object members in any order, and an int equal to a double of the same
// value (OpenHands writes "timeout": 120 and reads it back as 120.0).
bool SameValue(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    if (a.IsInt64() && b.IsInt64()) return a.GetInt64() == b.GetInt64();
    return a.GetDouble() == b.GetDouble();
  }
  if (a.GetType() != b.GetType()) return false;
  if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) return false;
    for (const auto& member : a.GetObject()) {
      auto it = b.FindMember(member.name);
      if (it == b.MemberEnd() || !SameValue(member.value, it->value)) return false;
    }
    return true;
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!SameValue(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;  // strings, bools, null
}

std::vector<std::string> TopLevelKeys(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  std::vector<std::string> keys;
  if (doc.IsObject()) {
    for (const auto& member : doc.GetObject()) keys.emplace_back(member.name.GetString());
  }
  return keys;
}

// Python's separators (", " and ": ") removed outside strings.
std::string Compact(const std::string& json) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\') {
        out += json[++i];
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
      out += c;
      in_string = c == '"';
    }
  }
  return out;
}

class EventJsonTest : public ::testing::Test {
 protected:
  // Trajectory timestamps are local times; pin the zone so the test does not
  // depend on the machine (timestamp_test covers other zones).
  void SetUp() override {
    setenv("TZ", "UTC0", 1);
    tzset();
  }
};

TEST_F(EventJsonTest, RoundTripsEveryOpenHandsTrajectoryEvent) {
  const std::vector<Sample> samples = LoadTrajectoryEvents();
  ASSERT_GE(samples.size(), 72u) << "expected 36 events in *.json and 36 in canonical.jsonl";
  for (const Sample& sample : samples) {
    auto event = ParseEvent(sample.json);
    ASSERT_TRUE(event.ok()) << sample.where << ": " << event.status().ToString();
    const std::string out = EventToJson(event.value());
    rapidjson::Document original;
    rapidjson::Document written;
    original.Parse<rapidjson::kParseFullPrecisionFlag>(sample.json.c_str());
    written.Parse<rapidjson::kParseFullPrecisionFlag>(out.c_str());
    ASSERT_FALSE(written.HasParseError()) << sample.where << ": " << out;
    EXPECT_TRUE(SameValue(original, written))
        << sample.where << "\nin:  " << sample.json << "\nout: " << out;
    // The trajectories are in OpenHands' key order, so ours must match it.
    EXPECT_EQ(TopLevelKeys(out), TopLevelKeys(sample.json)) << sample.where;
  }
}

TEST_F(EventJsonTest, WritesCanonicalEventsByteForByteModuloSeparators) {
  std::istringstream lines(ReadFile(kTrajectories + "/canonical.jsonl"));
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    auto event = ParseEvent(line);
    ASSERT_TRUE(event.ok()) << event.status().ToString();
    EXPECT_EQ(EventToJson(event.value()), Compact(line));
    ++count;
  }
  EXPECT_EQ(count, 36);
}

TEST_F(EventJsonTest, ReadsMetadataAndTypeOfARealEvent) {
  const std::string json =
      R"({"id": 7, "timestamp": "2025-01-27T22:45:13.764487", "source": "environment",)"
      R"( "message": "Command `ls` executed with exit code 0.", "cause": 6,)"
      R"( "observation": "run", "content": "a.txt", "extras": {"command": "ls",)"
      R"( "hidden": true, "metadata": {"exit_code": 0, "pid": -1}}, "success": true})";
  auto r = ParseEvent(json);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Event& e = r.value();
  EXPECT_EQ(e.id, 7);
  EXPECT_EQ(e.timestamp_ns, ParseTimestamp("2025-01-27T22:45:13.764487").value());
  EXPECT_EQ(e.source, Source::kEnvironment);
  EXPECT_EQ(e.cause, 6);
  EXPECT_EQ(e.class_name(), "CmdOutputObservation");
  EXPECT_FALSE(e.is_action());
  EXPECT_EQ(e.content, "a.txt");
  EXPECT_EQ(e.extras_json, R"({"command":"ls","hidden":true,"metadata":{"exit_code":0,"pid":-1}})");
  EXPECT_EQ(e.success, true);
  EXPECT_TRUE(e.hidden);
  EXPECT_TRUE(e.unknown_fields.empty());
}

TEST_F(EventJsonTest, WritesKeysInOpenHandsOrderWhateverTheInputOrder) {
  const std::string json =
      R"({"timeout": 120, "args": {"command": "ls", "hidden": false}, "llm_metrics": {"a": 1},)"
      R"( "tool_call_metadata": {"b": 2}, "action": "run", "cause": 3, "message": "m",)"
      R"( "source": "agent", "timestamp": "2025-01-27T22:45:13", "id": 9})";
  auto r = ParseEvent(json);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(EventToJson(r.value()),
            R"({"id":9,"timestamp":"2025-01-27T22:45:13","source":"agent","message":"m",)"
            R"("cause":3,"action":"run","tool_call_metadata":{"b":2},"llm_metrics":{"a":1},)"
            R"("args":{"command":"ls","hidden":false},"timeout":120.0})");
}

TEST_F(EventJsonTest, WritesMinimalObservationLikeOpenHands) {
  Event e;
  e.id = 0;
  e.source = Source::kAgent;
  e.message = "No observation";
  e.type = EventTypeFromTag(EventKind::kObservation, "null").value();
  e.extras_json = "{}";
  EXPECT_EQ(EventToJson(e),
            R"({"id":0,"source":"agent","message":"No observation","observation":"null",)"
            R"("content":"","extras":{}})");
  // AppendEventJson appends without clearing.
  std::string out = "[";
  ASSERT_TRUE(AppendEventJson(e, &out).ok());
  EXPECT_EQ(out, "[" + EventToJson(e));
}

TEST_F(EventJsonTest, KeepsNonAsciiTextAsUtf8) {
  const std::string text = "h\xC3\xA9llo \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC";  // héllo ✓ 日本
  const std::string json = "{\"action\": \"message\", \"message\": \"" + text +
                           "\", \"args\": {\"content\": \"" + text + "\"}}";
  auto r = ParseEvent(json);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().message, text);
  const std::string out = EventToJson(r.value());
  EXPECT_EQ(out, "{\"message\":\"" + text + "\",\"action\":\"message\",\"args\":{\"content\":\"" +
                     text + "\"}}");
  // \u escapes (what Python writes) are read, and written back as UTF-8.
  auto escaped = ParseEvent(R"({"action":"message","message":"h\u00e9llo \u2713 \u65e5\u672c"})");
  ASSERT_TRUE(escaped.ok());
  EXPECT_EQ(escaped.value().message, text);
}

TEST_F(EventJsonTest, EscapesQuotesBackslashesAndControlCharacters) {
  Event e;
  e.type = EventTypeFromTag(EventKind::kAction, "null").value();
  e.message = std::string("a\"b\\c\nd\te\x01\0", 11);  // with an embedded NUL
  const std::string out = EventToJson(e);
  EXPECT_EQ(out, R"({"message":"a\"b\\c\nd\te\u0001\u0000","action":"null"})");
  auto back = ParseEvent(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.value().message, e.message);
}

TEST_F(EventJsonTest, KeepsNestedNumbersAsWrittenAndWritesFloatsLikePython) {
  auto r = ParseEvent(
      R"({"action": "run", "args": {"i": 1, "big": 18446744073709551615, "neg": -7,)"
      R"( "f": 1.5, "g": 120.0, "tiny": 1e-05, "huge": 1e16, "list": [1, 2.25, null]}})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().args_json,
            R"({"i":1,"big":18446744073709551615,"neg":-7,"f":1.5,"g":120.0,"tiny":1e-05,)"
            R"("huge":1e+16,"list":[1,2.25,null]})");
}

TEST_F(EventJsonTest, ReadsHiddenFromArgsOrExtrasButNotTopLevel) {
  auto action = ParseEvent(R"({"action": "run", "args": {"command": "x", "hidden": true}})");
  ASSERT_TRUE(action.ok());
  EXPECT_TRUE(action.value().hidden);
  auto nested = ParseEvent(R"({"action": "run", "args": {"env": {"hidden": true}}})");
  ASSERT_TRUE(nested.ok());
  EXPECT_FALSE(nested.value().hidden);
  auto top = ParseEvent(R"({"action": "run", "hidden": true, "args": {}})");
  ASSERT_TRUE(top.ok());
  EXPECT_FALSE(top.value().hidden);
  ASSERT_EQ(top.value().unknown_fields.size(), 1u);
  EXPECT_EQ(top.value().unknown_fields[0].first, "hidden");
  EXPECT_EQ(top.value().unknown_fields[0].second, "true");
  // extras.hidden counts for an observation only.
  auto obs = ParseEvent(R"({"observation": "run", "content": "", "extras": {"hidden": true}})");
  ASSERT_TRUE(obs.ok());
  EXPECT_TRUE(obs.value().hidden);
}

TEST_F(EventJsonTest, KeepsUnknownKeysInOrderAndWritesThemLast) {
  const std::string json =
      R"({"zeta": [1, {"a": null}], "action": "think", "alpha": "x", "args": {"thought": "t"},)"
      R"( "n": 2.50, "content": "ignored by OpenHands for actions"})";
  auto r = ParseEvent(json);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string out = EventToJson(r.value());
  EXPECT_EQ(out, R"({"message":"","action":"think","args":{"thought":"t"},"zeta":[1,{"a":null}],)"
                 R"("alpha":"x","n":2.5,"content":"ignored by OpenHands for actions"})");
  auto again = ParseEvent(out);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(EventToJson(again.value()), out);
}

TEST_F(EventJsonTest, KeepsArgsOfAnObservationAsUnknownField) {
  auto r = ParseEvent(R"({"args": {"a": 1}, "observation": "null", "timeout": 5, "x": 0})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r.value().args_json.empty());
  EXPECT_FALSE(r.value().timeout.has_value());
  EXPECT_EQ(
      EventToJson(r.value()),
      R"({"message":"","observation":"null","content":"","args":{"a":1},"timeout":5.0,"x":0})");
}

TEST_F(EventJsonTest, RoundTripsMultiMegabyteEventsOneAfterAnother) {
  // Browser observations can be megabytes; the parser's reusable buffer must
  // not leak one event's bytes into the next.
  for (std::size_t size : {std::size_t{3} << 20, std::size_t{10}, std::size_t{2} << 20}) {
    Event e;
    e.type = EventTypeFromTag(EventKind::kObservation, "browse").value();
    e.content.assign(size, 'x');
    e.extras_json = R"({"url":"http://example.com"})";
    const std::string json = EventToJson(e);
    auto back = ParseEvent(json);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back.value().content.size(), size);
    EXPECT_EQ(EventToJson(back.value()), json);
  }
}

TEST_F(EventJsonTest, TreatsNullMetadataAsUnset) {
  auto r = ParseEvent(
      R"({"id": null, "timestamp": null, "source": null, "cause": null, "action": "null",)"
      R"( "tool_call_metadata": null, "llm_metrics": null, "timeout": null})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r.value().id, Event::kInvalidId);
  EXPECT_FALSE(r.value().timestamp_ns || r.value().cause || r.value().timeout);
  EXPECT_EQ(r.value().source, Source::kNone);
  EXPECT_EQ(EventToJson(r.value()), R"({"message":"","action":"null"})");
}

}  // namespace
}  // namespace evbus
