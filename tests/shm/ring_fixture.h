// RingTest: a fixture that creates a private segment per test and removes
// it afterwards, with helpers to attach producers and subscribers.
#ifndef EVBUS_TESTS_SHM_RING_FIXTURE_H_
#define EVBUS_TESTS_SHM_RING_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "shm/producer.h"
#include "shm/stats.h"
#include "shm/subscriber.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {

inline constexpr std::int64_t kSecond = 1'000'000'000;

inline std::string BodyFor(std::uint64_t tag, std::size_t size) {
  std::string body = std::to_string(tag) + ":";
  while (body.size() < size) body += static_cast<char>('a' + (body.size() + tag) % 26);
  body.resize(size);
  return body;
}

class RingTest : public ::testing::Test {
 protected:
  void SetUp() override { stream_ = "ring_test_" + std::to_string(::getpid()); }
  void TearDown() override {
    testing::SetPauseAfterClaimHook(nullptr);
    seg_.reset();
    (void)Segment::Remove(stream_, "");
  }
  void Create(std::uint64_t capacity, std::uint32_t slots, std::uint32_t max_record,
              std::int64_t abandon_timeout_ns = 2 * kSecond) {
    SegmentOptions o;
    o.data_capacity = capacity;
    o.index_slots = slots;
    o.max_record_size = max_record;
    o.abandon_timeout_ns = abandon_timeout_ns;
    ASSERT_TRUE(::evbus::testutil::AssignTo(&seg_, Segment::Create(stream_, "", o)).ok());
  }
  std::unique_ptr<Producer> NewProducer(const std::string& name = "p") {
    std::unique_ptr<Producer> p;
    Status s = ::evbus::testutil::AssignTo(&p, Producer::Attach(seg_.get(), name));
    EXPECT_TRUE(s.ok()) << s.ToString();
    return p;
  }
  std::unique_ptr<Subscriber> NewSubscriber(SubscriberOptions o) {
    std::unique_ptr<Subscriber> s;
    Status st = ::evbus::testutil::AssignTo(&s, Subscriber::Attach(seg_.get(), o));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return s;
  }
  static SubscriberOptions Opts(std::string name, bool durable = false,
                                StartAt start = StartAt::kOldest, std::uint64_t id = 0) {
    SubscriberOptions o;
    o.name = std::move(name);
    o.durable = durable;
    o.start = start;
    o.start_id = id;
    return o;
  }
  std::uint64_t MustPublish(Producer* p, std::string_view body, RecordMeta meta = {}) {
    std::uint64_t id = ~0ull;
    Status s = p->Publish(meta, body, 5 * kSecond, &id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }
  std::string stream_;
  std::unique_ptr<Segment> seg_;
};

}  // namespace evbus::shm

#endif  // EVBUS_TESTS_SHM_RING_FIXTURE_H_
