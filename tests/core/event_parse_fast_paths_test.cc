// ParseEvent's fast paths against what they stand in for: the captured
// members' text against JsonTextWriter driven by rapidjson's reader, the one
// pass over the input (NUL bytes, UTF-8 validation skipped only for ASCII,
// the lone-surrogate search only when a \u escape occurs) at every offset
// around its 16-byte blocks, and the member key lookup.
#include <gtest/gtest.h>
#include <rapidjson/reader.h>

#include <random>
#include <string>

#include "core/event.h"
#include "core/event_member.h"
#include "core/json_text_writer.h"

namespace evbus {
namespace {

// What JsonTextWriter writes for `json` (the bytes ParseEvent's capture wrote
// before it kept no nesting stack of its own).
std::string WriterText(const std::string& json) {
  std::string out;
  StringAppendStream stream(&out);
  WriterStackBuffer stack;
  JsonTextWriter writer(stream, &stack.allocator);
  rapidjson::StringStream in(json.c_str());
  rapidjson::Reader reader;
  EXPECT_FALSE(reader.Parse(in, writer).IsError()) << json;
  return out;
}

// A random JSON value without floats (JsonTextWriter's base writes those its
// own way; ParseEvent writes them as Python does), with spaces around.
std::string RandomValue(std::mt19937& rng, int depth) {
  const int kind = static_cast<int>(rng() % (depth > 4 ? 5 : 8));
  const auto count = [&] { return static_cast<int>(rng() % 4); };
  switch (kind) {
    case 0:
      return "null";
    case 1:
      return rng() % 2 ? "true" : "false";
    case 2:
      return std::to_string(static_cast<std::int64_t>(rng()) - (1ll << 31));
    case 3:
      return "18446744073709551615";
    case 4:
      return std::string(R"("a\"b\\c\n\u0001\/ é)") + std::to_string(rng() % 100) + "\"";
    case 5:
    case 6: {
      std::string text = "{ ";
      for (int i = 0, n = count(); i < n; ++i) {
        text += (i ? " , \"k" : "\"k") + std::to_string(i) + "\" : " + RandomValue(rng, depth + 1);
      }
      return text + " }";
    }
    default: {
      std::string text = "[ ";
      for (int i = 0, n = count(); i < n; ++i) {
        text += (i ? " , " : "") + RandomValue(rng, depth + 1);
      }
      return text + " ]";
    }
  }
}

TEST(EventParseFastPathsTest, CapturedMembersAreJsonTextWritersBytes) {
  std::mt19937 rng(18);
  for (int round = 0; round < 2000; ++round) {
    const std::string args = "{\"x\": " + RandomValue(rng, 1) + ", \"y\": [[], {}, [[1]]]}";
    const std::string unknown = RandomValue(rng, 1);
    const std::string json = R"({"action": "run", "args": )" + args + R"(, "zz": )" + unknown + "}";
    auto event = ParseEvent(json);
    ASSERT_TRUE(event.ok()) << event.status().ToString() << "\n" << json;
    EXPECT_EQ(event->args_json, WriterText(args)) << json;
    ASSERT_EQ(event->unknown_fields.size(), 1u);
    EXPECT_EQ(event->unknown_fields[0].second, WriterText(unknown)) << json;
  }
}

// An event whose message is `n` bytes of 'a' with `text` at `at`.
std::string MessageEvent(std::size_t n, std::size_t at, const std::string& text) {
  std::string message(n, 'a');
  message.replace(at, text.size(), text);
  return R"({"action":"message","message":")" + message + "\"}";
}
constexpr std::size_t kMessageStart = 31;  // offset of the message's first byte

TEST(EventParseFastPathsTest, FindsANulByteAtEveryOffset) {
  for (std::size_t at = 0; at < 70; ++at) {
    auto r = ParseEvent(MessageEvent(70, at, std::string(1, '\0')));
    ASSERT_FALSE(r.ok()) << at;
    EXPECT_NE(r.status().message().find("offset " + std::to_string(kMessageStart + at) + ": a NUL"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(EventParseFastPathsTest, ValidatesUtf8WheneverANonAsciiByteOccursAtAnyOffset) {
  for (std::size_t at = 0; at < 70; ++at) {
    EXPECT_FALSE(ParseEvent(MessageEvent(70, at, "\xFF")).ok()) << at;
    EXPECT_FALSE(ParseEvent(MessageEvent(70, at, "\xC3")).ok()) << at;  // truncated
    auto ok = ParseEvent(MessageEvent(70, at, "\xC3\xA9"));
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(ok->message.substr(at, 2), "\xC3\xA9");
  }
}

TEST(EventParseFastPathsTest, FindsALoneSurrogateEscapeAtEveryOffset) {
  for (std::size_t at = 0; at < 70; ++at) {
    auto r = ParseEvent(MessageEvent(76, at, "\\udc00"));
    ASSERT_FALSE(r.ok()) << at;
    EXPECT_NE(r.status().message().find("offset " + std::to_string(kMessageStart + at)),
              std::string::npos)
        << r.status().message();
    EXPECT_TRUE(ParseEvent(MessageEvent(76, at, "\\\\udc00")).ok()) << at;  // plain text
  }
}

TEST(EventParseFastPathsTest, MapsEveryMemberKeyAndNothingElse) {
  const std::pair<std::string_view, EventMember> members[] = {
      {"id", EventMember::kId},
      {"timestamp", EventMember::kTimestamp},
      {"source", EventMember::kSource},
      {"message", EventMember::kMessage},
      {"cause", EventMember::kCause},
      {"action", EventMember::kAction},
      {"observation", EventMember::kObservation},
      {"tool_call_metadata", EventMember::kToolCallMetadata},
      {"llm_metrics", EventMember::kLlmMetrics},
      {"args", EventMember::kArgs},
      {"timeout", EventMember::kTimeout},
      {"content", EventMember::kContent},
      {"extras", EventMember::kExtras},
      {"success", EventMember::kSuccess},
  };
  for (const auto& [key, member] : members) {
    EXPECT_EQ(EventMemberFromKey(key), member) << key;
    std::string other(key);
    for (std::size_t i = 0; i < other.size(); ++i) {  // same length, one byte off
      other[i] ^= 0x20;
      EXPECT_EQ(EventMemberFromKey(other), EventMember::kUnknown) << other;
      other[i] ^= 0x20;
    }
    EXPECT_EQ(EventMemberFromKey(other + "s"), EventMember::kUnknown) << key;
  }
  EXPECT_EQ(EventMemberFromKey(""), EventMember::kUnknown);
  EXPECT_EQ(EventMemberFromKey("hidden"), EventMember::kUnknown);
}

}  // namespace
}  // namespace evbus
