#include "shm/event_record.h"

#include <gtest/gtest.h>

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
  EventMeta back = EventMetaFromRecord(42, RecordMetaFor(event));
  EventMeta expected = EventMeta::FromEvent(event);
  expected.id = 42;
  EXPECT_EQ(back, expected);
  EXPECT_TRUE(back.hidden);
  EXPECT_EQ(RecordMetaFor(event).cause, 7);
}

TEST(EventRecordTest, EventWithoutTimestampOrCauseKeepsThemUnset) {
  Event event = Parse(R"({"action":"null","args":{}})");
  shm::RecordMeta meta = RecordMetaFor(event);
  EXPECT_EQ(meta.cause, -1);
  EventMeta back = EventMetaFromRecord(0, meta);
  EXPECT_FALSE(back.timestamp_ns.has_value());
  EXPECT_EQ(back.source, Source::kNone);
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

}  // namespace
}  // namespace evbus
