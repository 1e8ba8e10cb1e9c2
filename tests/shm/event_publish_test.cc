#include "shm/event_publish.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "shm/event_record.h"
#include "shm/subscriber.h"
#include "tests/testutil/assign_to.h"

namespace evbus {
namespace {

class EventPublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = "publish-test-" + std::to_string(getpid());
    shm::SegmentOptions options;
    options.data_capacity = 1 << 20;
    options.max_record_size = 64 << 10;
    options.index_slots = 1024;
    Status st = ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(stream_, "", options));
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "test"))
            .ok());
    shm::SubscriberOptions sub;
    sub.name = "reader";
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&subscriber_, shm::Subscriber::Attach(segment_.get(), sub))
            .ok());
  }
  void TearDown() override {
    subscriber_.reset();
    producer_.reset();
    segment_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }
  Event Parse(const std::string& json) {
    auto event = ParseEvent(json);
    EXPECT_TRUE(event.ok()) << event.status().ToString();
    return std::move(event).value();
  }

  std::string stream_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<shm::Producer> producer_;
  std::unique_ptr<shm::Subscriber> subscriber_;
  std::string scratch_;
};

TEST_F(EventPublishTest, AssignsIdTimestampAndSourceAndDeliversOpenHandsJson) {
  Event event = Parse(R"({"action":"run","args":{"command":"ls"}})");
  PublishOptions options;
  options.source = Source::kAgent;
  auto id = PublishEvent(*producer_, Redactor(), options, &event, &scratch_);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(*id, 0u);
  EXPECT_EQ(event.id, 0);
  ASSERT_TRUE(event.timestamp_ns.has_value());
  shm::Record rec;
  ASSERT_EQ(subscriber_->TryRead(&rec), shm::ReadStatus::kRecord);
  auto back = ParseEvent(EventJsonWithId(rec.id, rec.body));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->id, 0);
  EXPECT_EQ(back->source, Source::kAgent);
  EXPECT_EQ(back->class_name(), "CmdRunAction");
  EXPECT_EQ(rec.meta.timestamp_ns, *event.timestamp_ns);
}

TEST_F(EventPublishTest, RejectsAnEventThatAlreadyHasAnId) {
  Event event = Parse(R"({"action":"null","args":{}})");
  PublishOptions options;
  options.source = Source::kAgent;
  ASSERT_TRUE(PublishEvent(*producer_, Redactor(), options, &event, &scratch_).ok());
  auto again = PublishEvent(*producer_, Redactor(), options, &event, &scratch_);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsInvalidArgument());
  EXPECT_NE(again.status().message().find("already has an id"), std::string::npos);
  shm::Record rec;
  ASSERT_EQ(subscriber_->TryRead(&rec), shm::ReadStatus::kRecord);
  EXPECT_EQ(subscriber_->TryRead(&rec), shm::ReadStatus::kEmpty);  // nothing second
}

TEST_F(EventPublishTest, NoSecretByteReachesSharedMemory) {
  const std::string secret = "sk-live-0123456789abcdef";
  Redactor redactor;
  ASSERT_TRUE(redactor.SetSecrets({{"api", secret}}).ok());
  Event event =
      Parse(R"({"action":"run","message":"Running command: curl -H )" + secret +
            R"(","args":{"command":"curl -H )" + secret + R"(","env":[")" + secret + R"("]}})");
  PublishOptions options;
  options.source = Source::kAgent;
  ASSERT_TRUE(PublishEvent(*producer_, redactor, options, &event, &scratch_).ok());
  std::string_view bytes(reinterpret_cast<const char*>(&segment_->header()),
                         segment_->size_bytes());
  EXPECT_EQ(bytes.find(secret), std::string_view::npos);
  EXPECT_NE(bytes.find("<secret_hidden>"), std::string_view::npos);
}

// A caller's Event with a type or source that no OpenHands event has is
// refused with a clear error by both publish paths, before anything is
// claimed: the ring stays empty and the event unchanged.
TEST_F(EventPublishTest, RefusesAnUnregisteredTypeOrSourceBeforeClaimingAnId) {
  const Event valid = Parse(R"({"action":"run","args":{"command":"ls"}})");
  Event bad_type = valid;
  bad_type.type = 977;
  Event bad_source = valid;
  bad_source.source = static_cast<Source>(9);
  PublishOptions keep_source;  // kNone: the event's own source is published
  Redactor redactor;
  ASSERT_TRUE(redactor.SetSecrets({{"a", "ls"}}).ok());
  for (const Event& bad : {bad_type, bad_source}) {
    for (bool redacting_copy : {false, true}) {
      Event event = bad;
      auto id = redacting_copy ? PublishEventRedactingCopy(*producer_, redactor, keep_source,
                                                           &event, &scratch_)
                               : PublishEvent(*producer_, redactor, keep_source, &event, &scratch_);
      ASSERT_FALSE(id.ok());
      EXPECT_TRUE(id.status().IsInvalidArgument()) << id.status().ToString();
      const std::string& msg = id.status().message();
      EXPECT_TRUE(msg.find("type 977") != std::string::npos ||
                  msg.find("source 9") != std::string::npos)
          << msg;
      EXPECT_EQ(event.id, Event::kInvalidId);
      EXPECT_EQ(event.args_json, valid.args_json);  // not redacted: nothing was published
    }
  }
  shm::Record rec;
  EXPECT_EQ(subscriber_->TryRead(&rec), shm::ReadStatus::kEmpty);
  std::uint64_t next = 99;
  ASSERT_TRUE(producer_->Publish(shm::RecordMeta{}, "{}", 0, &next).ok());
  EXPECT_EQ(next, 0u) << "no id was claimed by the refused events";
}

}  // namespace
}  // namespace evbus
