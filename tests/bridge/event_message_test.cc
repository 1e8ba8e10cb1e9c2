// The headers of a message built by MakeEventMessage, value by value (they
// are built in place, without std::string temporaries), read back by
// ParseEventMessage; and the JetStream message id's prefix.
#include "bridge/event_message.h"

#include <gtest/gtest.h>

#include <string>

#include "bridge/jetstream_subject.h"
#include "core/event.h"
#include "core/event_types.h"

namespace evbus::bridge {
namespace {

struct MsgDeleter {
  void operator()(natsMsg* m) const { natsMsg_Destroy(m); }
};
using MsgPtr = std::unique_ptr<natsMsg, MsgDeleter>;

std::string Header(natsMsg* m, const char* key) {
  const char* v = nullptr;
  return natsMsgHeader_Get(m, key, &v) == NATS_OK && v != nullptr ? v : "<absent>";
}

class EventMessageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_EQ(nats_Open(-1), NATS_OK);
  }  // natsMsg_Destroy's collector
};

TEST_F(EventMessageTest, HeadersCarryIdTypeSourceCauseTimestampAndMeta) {
  auto run = EventTypeFromTag(EventKind::kAction, "run");
  ASSERT_TRUE(run.ok());
  shm::Record r;
  r.id = 42;
  r.meta.timestamp_ns = 1765000000123456789;
  r.meta.cause = 41;
  r.meta.type = *run;
  r.meta.source = static_cast<std::uint8_t>(Source::kAgent);
  r.meta.flags = 1;
  r.body = R"({"action":"run"})";
  auto built = MakeEventMessage("evbus._.s", 42, &r, /*first_id=*/7);
  ASSERT_TRUE(built.ok()) << built.status().message();
  MsgPtr m(*built);
  EXPECT_EQ(Header(m.get(), "Evbus-Id"), "42");
  EXPECT_EQ(Header(m.get(), "Evbus-Type"), "run");
  EXPECT_EQ(Header(m.get(), "Evbus-Source"), "agent");
  EXPECT_EQ(Header(m.get(), "Evbus-Cause"), "41");
  EXPECT_EQ(Header(m.get(), "Evbus-Timestamp"), "1765000000123456789");
  EXPECT_EQ(Header(m.get(), "Evbus-Meta"),
            "1765000000123456789 41 " + std::to_string(*run) + " 1 1 7");
  EXPECT_EQ(std::string(natsMsg_GetData(m.get()), natsMsg_GetDataLength(m.get())), r.body);
  auto parsed = ParseEventMessage(m.get());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->id, 42u);
  EXPECT_EQ(parsed->first_id, 7);
  EXPECT_EQ(parsed->meta.timestamp_ns, r.meta.timestamp_ns);
  EXPECT_EQ(parsed->meta.cause, 41);
  EXPECT_EQ(parsed->meta.type, *run);
  EXPECT_EQ(parsed->meta.source, r.meta.source);
  EXPECT_EQ(parsed->meta.flags, 1);
  EXPECT_EQ(parsed->body, r.body);
}

TEST_F(EventMessageTest, NoCauseUnregisteredTypeAndNoSourceLeaveTheirTagsOut) {
  shm::Record r;
  r.id = 3;
  r.meta.timestamp_ns = -5;  // before the epoch: still a number on the wire
  r.meta.cause = -1;
  r.meta.type = 0xFFFE;  // not registered
  r.meta.source = 0;     // none
  r.body = "{}";
  auto built = MakeEventMessage("evbus._.s", 3, &r, /*first_id=*/0);
  ASSERT_TRUE(built.ok());
  MsgPtr m(*built);
  EXPECT_EQ(Header(m.get(), "Evbus-Type"), "<absent>");
  EXPECT_EQ(Header(m.get(), "Evbus-Source"), "<absent>");
  EXPECT_EQ(Header(m.get(), "Evbus-Cause"), "-1");
  EXPECT_EQ(Header(m.get(), "Evbus-Timestamp"), "-5");
  EXPECT_EQ(Header(m.get(), "Evbus-Meta"), "-5 -1 65534 0 0 0");
  auto parsed = ParseEventMessage(m.get());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->meta.type, 0xFFFE);
}

TEST_F(EventMessageTest, CarriesTheJetStreamMessageIdOnlyWhenGivenAndMarkersTheirMeta) {
  shm::Record r;
  r.meta.cause = -1;
  r.body = "{}";
  auto with_id = MakeEventMessage("evbus._.s", 9, &r, 4, MessageIdPrefix("", "s") + "9");
  ASSERT_TRUE(with_id.ok());
  MsgPtr m(*with_id);
  EXPECT_EQ(Header(m.get(), "Nats-Msg-Id"), "_:s:9");
  auto without = MakeEventMessage("evbus._.s", 9, &r, 4);
  ASSERT_TRUE(without.ok());
  MsgPtr plain(*without);
  EXPECT_EQ(Header(plain.get(), "Nats-Msg-Id"), "<absent>");
  EXPECT_EQ(Header(plain.get(), "Evbus-Id"), "9");

  auto marker = MakeEventMessage("evbus._.s", 10, nullptr, 4, "_:s:10");
  ASSERT_TRUE(marker.ok());
  MsgPtr mk(*marker);
  EXPECT_EQ(natsMsg_GetDataLength(mk.get()), 0);
  EXPECT_EQ(Header(mk.get(), "Evbus-Missing"), "abandoned");
  EXPECT_EQ(Header(mk.get(), "Evbus-Meta"), "0 -1 0 0 0 4");
  EXPECT_EQ(Header(mk.get(), "Nats-Msg-Id"), "_:s:10");
  auto parsed = ParseEventMessage(mk.get());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(parsed->missing);
  EXPECT_EQ(parsed->id, 10u);
  EXPECT_EQ(parsed->first_id, 4);

  EXPECT_FALSE(MakeEventMessage("", 1, &r, 0).ok());  // no subject: an error, not a message
}

TEST_F(EventMessageTest, MessageIdIsUserSessionAndId) {
  EXPECT_EQ(MessageIdPrefix("", "s1") + "17", "_:s1:17");
  EXPECT_EQ(MessageIdPrefix("alice", "s1") + "17", "alice:s1:17");
}

}  // namespace
}  // namespace evbus::bridge
