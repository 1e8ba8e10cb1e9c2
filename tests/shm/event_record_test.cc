#include "shm/event_record.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/event.h"

namespace evbus {
namespace {

Event Parse(const char* json) {
  auto event = ParseEvent(json);
  EXPECT_TRUE(event.ok()) << event.status().ToString();
  return std::move(event).value();
}

TEST(EventRecordTest, MetadataSurvivesTheTripThroughARecordHeader) {
  Event event =
      Parse(R"({"timestamp":"2025-07-18T17:01:36.799608","source":"environment","cause":7,)"
            R"("observation":"run","content":"x","extras":{"command":"ls","hidden":true}})");
  Result<EventMeta> back = EventMetaFromRecord(42, RecordMetaFor(event));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EventMeta expected = EventMeta::FromEvent(event);
  expected.id = 42;
  EXPECT_EQ(*back, expected);
  EXPECT_TRUE(back->hidden);
  EXPECT_EQ(RecordMetaFor(event).cause, 7);
}

TEST(EventRecordTest, EventWithoutTimestampOrCauseKeepsThemUnset) {
  Event event = Parse(R"({"action":"null","args":{}})");
  shm::RecordMeta meta = RecordMetaFor(event);
  EXPECT_EQ(meta.cause, -1);
  Result<EventMeta> back = EventMetaFromRecord(0, meta);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(back->timestamp_ns.has_value());
  EXPECT_EQ(back->source, Source::kNone);
}

TEST(EventRecordTest, BodyWithIdEqualsTheEventSerializedWithItsId) {
  Event event =
      Parse(R"({"source":"agent","message":"hi","action":"message","args":{"content":"hi"}})");
  std::string body = EventToJson(event);  // id unset: no "id" key
  ASSERT_EQ(body.find("\"id\""), std::string::npos);
  event.id = 1234;
  EXPECT_EQ(EventJsonWithId(1234, body), EventToJson(event));
}

TEST(EventRecordTest, EmptyObjectBodyGetsOnlyTheId) {
  EXPECT_EQ(EventJsonWithId(5, "{}"), "{\"id\":5}");
}

// A header PublishEvent could not have written (a broken or newer producer,
// or damage under a valid checksum) is Corruption naming the id, the field
// and the value, for every field a reader would trust; the values never
// reach a lookup.
TEST(EventRecordTest, HeaderWithAnUnregisteredTypeSourceOrFlagIsCorruptionNamingTheId) {
  Event event = Parse(R"({"source":"agent","action":"run","args":{"command":"ls"}})");
  const shm::RecordMeta good = RecordMetaFor(event);
  struct Case {
    shm::RecordMeta meta;
    const char* names;
  };
  std::vector<Case> cases;
  for (std::uint16_t type : {std::uint16_t{40}, std::uint16_t{977}, kInvalidEventType}) {
    cases.push_back({good, "event type"});
    cases.back().meta.type = type;
  }
  for (std::uint8_t source : {std::uint8_t{4}, std::uint8_t{9}, std::uint8_t{255}}) {
    cases.push_back({good, "source"});
    cases.back().meta.source = source;
  }
  for (std::uint8_t flags : {std::uint8_t{2}, std::uint8_t{0x81}}) {
    cases.push_back({good, "flag"});
    cases.back().meta.flags = flags;
  }
  for (const Case& c : cases) {
    Result<EventMeta> meta = EventMetaFromRecord(1234, c.meta);
    ASSERT_FALSE(meta.ok()) << c.names;
    EXPECT_TRUE(meta.status().IsCorruption()) << meta.status().ToString();
    const std::string& msg = meta.status().message();
    EXPECT_NE(msg.find("record 1234"), std::string::npos) << msg;
    EXPECT_NE(msg.find(c.names), std::string::npos) << msg;
    EXPECT_NE(msg.find("skipped"), std::string::npos) << msg;
  }
  EXPECT_TRUE(EventMetaFromRecord(1234, good).ok());
}

}  // namespace
}  // namespace evbus
