// Producer::PublishAbandoned (bridge in's marker for an id its origin never
// had): the id is claimed with no bytes and reported kAbandoned, and the
// claim is gated like any other: it never reuses an index entry that a
// durable subscriber has not read. (Bridge in used to move the claim word
// itself, past any gate.)
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

constexpr std::uint32_t kSlots = 16;  // index entries: a lap is 16 ids
constexpr std::size_t kBody = 100;

class PublishAbandonedTest : public RingTest {
 protected:
  void SetUp() override {
    RingTest::SetUp();
    Create(64 << 10, kSlots, 4096);
  }
};

TEST_F(PublishAbandonedTest, ClaimsTheIdWithNoBytesAndReadersReportItAbandoned) {
  auto producer = NewProducer();
  auto sub = NewSubscriber(Opts("reader", /*durable=*/true, StartAt::kOldest));
  ASSERT_EQ(0u, MustPublish(producer.get(), BodyFor(0, kBody)));
  std::uint64_t id = 0;
  ASSERT_TRUE(producer->PublishAbandoned(0, &id).ok());
  EXPECT_EQ(1u, id);
  ASSERT_EQ(2u, MustPublish(producer.get(), BodyFor(2, kBody)));
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
  EXPECT_EQ(0u, r.id);
  ASSERT_EQ(ReadStatus::kAbandoned, sub->TryRead(&r));
  EXPECT_EQ(1u, r.id);
  EXPECT_EQ(::getpid(), r.abandoned_by_pid);
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r)) << "the marker took ring bytes of id 2";
  EXPECT_EQ(2u, r.id);
  EXPECT_EQ(BodyFor(2, kBody), std::string(r.body));
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
}

TEST_F(PublishAbandonedTest, WaitsForADurableSubscriberBeforeReusingItsIndexEntry) {
  auto producer = NewProducer();
  auto sub = NewSubscriber(Opts("lagging", /*durable=*/true, StartAt::kOldest));
  for (std::uint64_t i = 0; i < kSlots; ++i) {
    ASSERT_EQ(i, MustPublish(producer.get(), BodyFor(i, kBody)));
  }
  // Id 16 needs entry 0, which the durable subscriber has not read.
  std::uint64_t id = 0;
  const Status st = producer->PublishAbandoned(1'000'000, &id);
  ASSERT_EQ(Status::Code::kBackPressured, st.code()) << st.message();
  EXPECT_NE(std::string::npos, st.message().find("lagging")) << st.message();
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r)) << "id 0 was overwritten by the marker";
  EXPECT_EQ(0u, r.id);
  EXPECT_EQ(BodyFor(0, kBody), std::string(r.body));
  ASSERT_TRUE(producer->PublishAbandoned(0, &id).ok());  // entry 0 is free now
  EXPECT_EQ(kSlots, id);
  for (std::uint64_t i = 1; i < kSlots; ++i) {
    ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r)) << "id " << i;
    ASSERT_EQ(i, r.id);
  }
  ASSERT_EQ(ReadStatus::kAbandoned, sub->TryRead(&r));
  EXPECT_EQ(kSlots, r.id);
}

}  // namespace
}  // namespace evbus::shm
