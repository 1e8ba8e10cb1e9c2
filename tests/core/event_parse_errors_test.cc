// ParseEvent's refusals: every error is InvalidArgument and names the field
// and the byte offset of the bad value (or of the malformed JSON).
#include <gtest/gtest.h>

#include <string>

#include "core/event.h"

namespace evbus {
namespace {

// The error names the field and the byte offset where the bad value starts.
void ExpectRejected(const std::string& json, const std::string& field, std::size_t offset,
                    const std::string& also = "") {
  auto r = ParseEvent(json);
  ASSERT_FALSE(r.ok()) << json;
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  const std::string& msg = r.status().message();
  if (!field.empty()) {
    EXPECT_NE(msg.find("\"" + field + "\""), std::string::npos) << msg;
  }
  EXPECT_NE(msg.find("offset " + std::to_string(offset)), std::string::npos)
      << "want offset " << offset << ": " << msg;
  EXPECT_NE(msg.find(also), std::string::npos) << msg;
}

std::size_t After(const std::string& json, const std::string& marker) {
  return json.find(marker) + marker.size();
}

TEST(EventParseErrorsTest, RejectsWrongFieldTypesNamingFieldAndOffset) {
  std::string j = R"({"action": "run", "args": "ls -l"})";
  ExpectRejected(j, "args", After(j, R"("args": )"), "expected an object, got a string");
  j = R"({"action": "run", "args": {}, "timeout":   "120"})";
  ExpectRejected(j, "timeout", After(j, R"("timeout":   )"), "got a string");
  j = R"({"id": -3, "action": "null"})";
  ExpectRejected(j, "id", After(j, R"("id": )"), "non-negative integer");
  j = "{\n  \"id\": 1.5,\n  \"action\": \"null\"\n}";
  ExpectRejected(j, "id", After(j, "\"id\": "), "got 1.5");
  j = R"({"source": "robot", "action": "null"})";
  ExpectRejected(j, "source", After(j, R"("source": )"), "\"robot\"");
  j = R"({"action": "null", "timestamp": "yesterday"})";
  ExpectRejected(j, "timestamp", After(j, R"("timestamp": )"), "4-digit year");
  j = R"({"observation": "run", "content": 5})";
  ExpectRejected(j, "content", After(j, R"("content": )"), "expected a string, got 5");
  j = R"({"observation": "run", "extras": [], "success": "yes"})";
  ExpectRejected(j, "extras", After(j, R"("extras": )"), "got an array");
  j = R"({"observation": "run", "success": "yes"})";
  ExpectRejected(j, "success", After(j, R"("success": )"), "boolean");
  j = R"({"action": "run", "cause": "5"})";
  ExpectRejected(j, "cause", After(j, R"("cause": )"));
  j = R"({"action": "run", "message": null})";
  ExpectRejected(j, "message", After(j, R"("message": )"), "got null");
  j = R"({"action": "run", "args": {"hidden": "yes"}})";
  ExpectRejected(j, "args.hidden", After(j, R"("hidden": )"), "boolean");
}

TEST(EventParseErrorsTest, RejectsUnknownTagNamingItAndTheAcceptedTags) {
  std::string j = R"({"id": 1, "action": "teleport"})";
  ExpectRejected(j, "action", After(j, R"("action": )"), "\"teleport\"");
  ExpectRejected(j, "action", After(j, R"("action": )"), "run_ipython");
  j = R"({"observation": "run_ipythonn"})";
  ExpectRejected(j, "observation", After(j, R"("observation": )"), "loop_detection");
  j = R"({"action": 3})";
  ExpectRejected(j, "action", After(j, R"("action": )"), "string");
}

TEST(EventParseErrorsTest, RejectsEventWithNeitherActionNorObservation) {
  const std::string j = R"(  {"id": 1, "message": "hi"})";
  ExpectRejected(j, "", 2, "event has neither \"action\" nor \"observation\"");
}

TEST(EventParseErrorsTest, RejectsMalformedJsonWithOffset) {
  std::string j = R"({"action": "run", "args": {"command": "ls"},})";
  ExpectRejected(j, "", j.size() - 1, "invalid JSON");
  ExpectRejected("", "", 0, "invalid JSON");
  j = R"({"action": "run"} {"action": "run"})";
  ExpectRejected(j, "", After(j, "} "), "invalid JSON");
  // rapidjson reports where it noticed the problem: after "tru".
  j = R"({"action": "run", "args": {"a": tru}})";
  ExpectRejected(j, "", After(j, "tru"), "Invalid value");
  ExpectRejected("[1, 2]", "", 0, "expected a JSON object");
  ExpectRejected("  \"run\"", "", 2, "expected a JSON object");
  // A raw NUL byte is never valid JSON, even after a complete object.
  ExpectRejected(std::string("{\"action\": \"run\"}\0{}", 20), "", 17, "NUL byte");
  // Invalid UTF-8 is refused rather than passed on to subscribers.
  ExpectRejected("{\"action\": \"run\", \"message\": \"\xC3\x28\"}", "", 30, "invalid JSON");
}

}  // namespace
}  // namespace evbus

namespace evbus {
namespace {

// Found by fuzz/event_parse_fuzz: rapidjson 1.1.0's full-precision strtod
// read far out of bounds on a number with hundreds of digits.
TEST(EventParseRegressionTest, RefusesANumberWithHundredsOfDigitsWithoutReadingOutOfBounds) {
  std::string json = R"({"observation":"null","content":"","cause":800000000000000000004445.)";
  json += std::string(400, '4') + "}";
  auto event = ParseEvent(json);
  ASSERT_FALSE(event.ok());
  EXPECT_NE(event.status().message().find("digits"), std::string::npos) << event.status().message();
  EXPECT_NE(event.status().message().find("offset 68"), std::string::npos)
      << event.status().message();
}

// The fast scan looks at every 101st byte only: a run of 101 digits is
// found wherever it starts, and one of 100 is not refused.
TEST(EventParseRegressionTest, FindsA101DigitNumberAtEveryAlignment) {
  for (std::size_t shift = 0; shift < 205; ++shift) {
    const std::string prefix = R"({"action":"run","args":{"n":)" + std::string(shift, ' ');
    auto refused = ParseEvent(prefix + std::string(101, '9') + "}}");
    ASSERT_FALSE(refused.ok()) << shift;
    EXPECT_NE(refused.status().message().find("offset " + std::to_string(prefix.size()) + ":"),
              std::string::npos)
        << refused.status().message();
    EXPECT_TRUE(ParseEvent(prefix + std::string(100, '9') + "}}").ok()) << shift;
  }
}

TEST(EventParseRegressionTest, AcceptsALongDigitRunInsideAString) {
  std::string json = R"({"observation":"null","content":")" + std::string(500, '7') + R"("})";
  auto event = ParseEvent(json);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->content, std::string(500, '7'));
}

// Found by fuzz/event_parse_fuzz in the CI quick run: a zero with a large
// exponent sent rapidjson 1.1.0's full-precision strtod into clz(0)
// (DiyFp::Normalize), undefined behaviour that the ASan+UBSan build stops
// at. Numbers are now converted without that path.
TEST(EventParseRegressionTest, ZeroWithALargeExponentParsesWithoutUndefinedBehaviour) {
  auto fuzz_input = ParseEvent("0E111.1((");
  ASSERT_FALSE(fuzz_input.ok());
  EXPECT_TRUE(fuzz_input.status().IsInvalidArgument()) << fuzz_input.status().ToString();
  for (const char* zero : {"0E111", "0e92", "-0e308", "0.0000e200", "0E-400"}) {
    const std::string json =
        std::string(R"({"action":"run","args":{"n":)") + zero + R"(},"timeout":)" + zero + "}";
    auto event = ParseEvent(json);
    ASSERT_TRUE(event.ok()) << json << ": " << event.status().ToString();
    const bool negative = zero[0] == '-';
    EXPECT_EQ(event->args_json, negative ? R"({"n":-0.0})" : R"({"n":0.0})") << json;
    ASSERT_TRUE(event->timeout.has_value());
    EXPECT_EQ(*event->timeout, 0.0) << json;
  }
}

// Numbers keep the values Python's json module gives them: integers stay
// integers (above 2^64 they become floats, as rapidjson makes them), floats
// are the nearest double, written back in Python's shortest form.
TEST(EventParseRegressionTest, NumbersKeepTheirValuesAndKinds) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "0"},
      {"-0", "0"},
      {"42", "42"},
      {"-9223372036854775808", "-9223372036854775808"},
      {"18446744073709551615", "18446744073709551615"},
      {"18446744073709551616", "1.8446744073709552e+19"},
      {"0.1", "0.1"},
      {"120.0", "120.0"},
      {"1e5", "100000.0"},
      {"1E+2", "100.0"},
      {"2.5e-3", "0.0025"},
      {"9007199254740993", "9007199254740993"},
      {"9007199254740993.0", "9007199254740992.0"},
      {"0.30000000000000004", "0.30000000000000004"},
      {"1.7976931348623157e308", "1.7976931348623157e+308"},
      {"2.2250738585072014e-308", "2.2250738585072014e-308"},
      {"4.9e-324", "5e-324"},
      {"2e-324", "0.0"},
      {"1e-400", "0.0"},
      {"-1e-400", "-0.0"},
      {"123456789012345678901234567890", "1.2345678901234568e+29"},
      {"3.14159265358979323846264338327950288", "3.141592653589793"},
  };
  for (const auto& [text, want] : cases) {
    const std::string json = std::string(R"({"action":"run","args":{"n":)") + text + "}}";
    auto event = ParseEvent(json);
    ASSERT_TRUE(event.ok()) << json << ": " << event.status().ToString();
    EXPECT_EQ(event->args_json, std::string(R"({"n":)") + want + "}") << text;
  }
}

// Found by fuzz/event_parse_fuzz from the in-repo corpus: a \u escape of a
// lone low surrogate decoded to bytes that are not UTF-8, so EventToJson
// wrote text that ParseEvent then refused (an accepted event that a reader
// could not read back). It is refused, naming the escape and its offset.
TEST(EventParseRegressionTest, RefusesALoneSurrogateEscapeThatCouldNotBeWrittenBack) {
  ExpectRejected(R"({"source":"user","message":"h\ud66d\ude00","action":"message"})", "", 35,
                 "\\ude00 is a lone UTF-16 surrogate");
  ExpectRejected(R"({"action":"run","args":{"command":"\uDFFF"}})", "", 35, "surrogate");
  ExpectRejected(R"({"action":"run","\udc00":1})", "", 17, "surrogate");  // in a key
  // After an escaped backslash, "udc00" is plain text.
  auto text = ParseEvent(R"({"action":"message","message":"\\udc00 \\\ud83d\ude00"})");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(text->message, "\\udc00 \\\xF0\x9F\x98\x80");
  auto pair = ParseEvent(R"({"action":"message","message":"\ud83d\ude00 \ud66d"})");
  ASSERT_TRUE(pair.ok()) << pair.status().ToString();
  EXPECT_EQ(pair->message, "\xF0\x9F\x98\x80 \xED\x99\xAD");
  auto again = ParseEvent(EventToJson(*pair));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->message, pair->message);
}

}  // namespace
}  // namespace evbus
