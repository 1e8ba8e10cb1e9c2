// Waiting: blocking reads wake on publish, back-pressured producers wake on
// consumption, and the publish path makes no system call without waiters.
#include <gtest/gtest.h>

#include <thread>

#include "tests/shm/ring_fixture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

class RingWaitTest : public RingTest {
 protected:
  // Waits (with a deadline) until `cond` holds; false on timeout.
  template <typename Cond>
  static bool Eventually(Cond cond) {
    std::int64_t deadline = MonotonicNanos() + 5 * kSecond;
    while (MonotonicNanos() < deadline) {
      if (cond()) return true;
      std::this_thread::yield();
    }
    return false;
  }
};

TEST_F(RingWaitTest, BlockingReadWakesOnPublishLongBeforeItsDeadline) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("sleeper"));
  ReadStatus got = ReadStatus::kEmpty;
  std::int64_t elapsed = 0;
  std::thread reader([&] {
    Record r;
    std::int64_t start = MonotonicNanos();
    got = sub->Read(&r, 30 * kSecond);
    elapsed = MonotonicNanos() - start;
  });
  ASSERT_TRUE(Eventually([&] { return Snapshot(*seg_).waiters == 1; })) << "reader never slept";
  auto p = NewProducer();
  MustPublish(p.get(), "wake up");
  reader.join();
  EXPECT_EQ(ReadStatus::kRecord, got);
  EXPECT_LT(elapsed, 10 * kSecond);
  EXPECT_GE(Snapshot(*seg_).wake_calls, 1u);
}

TEST_F(RingWaitTest, PublishingWithNoWaiterNeverMakesAWakeCall) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("poller"));
  auto p = NewProducer();
  Record r;
  for (int i = 0; i < 5000; ++i) {
    MustPublish(p.get(), "x");
    ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
  }
  SegmentStats st = Snapshot(*seg_);
  EXPECT_EQ(0u, st.waiters);
  EXPECT_EQ(0u, st.wake_calls) << "the fast path issued a futex wake";
}

TEST_F(RingWaitTest, ReadReturnsEmptyAtItsDeadlineWhenNothingArrives) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("idle"));
  Record r;
  std::int64_t start = MonotonicNanos();
  EXPECT_EQ(ReadStatus::kEmpty, sub->Read(&r, 30'000'000));
  EXPECT_GE(MonotonicNanos() - start, 30'000'000);
  EXPECT_EQ(0u, Snapshot(*seg_).waiters) << "the sleeper unregistered";
}

TEST_F(RingWaitTest, BackPressuredProducerWakesWhenTheDurableSubscriberReads) {
  Create(1 << 16, 64, 1024);
  SubscriberOptions o = Opts("persister", /*durable=*/true);
  o.wake_batch = 1;  // the one read below checks for sleeping producers (durable_cursor_test)
  auto sub = NewSubscriber(o);
  auto p = NewProducer();
  std::uint64_t id;
  while (p->TryPublish({}, "fill", &id) == PublishResult::kOk) {
  }
  Status result;
  std::thread writer([&] { result = p->Publish({}, "blocked", 30 * kSecond, &id); });
  ASSERT_TRUE(Eventually([&] { return seg_->wait_word()->producer_waiters.load() >= 1; }));
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
  writer.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  EXPECT_EQ(64u, id);
}

class RingStrategyTest : public RingWaitTest, public ::testing::WithParamInterface<WaitStrategy> {};

TEST_P(RingStrategyTest, EveryStrategyDeliversEverythingInOrder) {
  Create(1 << 16, 256, 1024);
  SubscriberOptions o = Opts("reader", /*durable=*/true);
  o.wait = GetParam();
  auto sub = NewSubscriber(o);
  std::thread writer([&] {
    std::unique_ptr<Producer> p;
    ASSERT_TRUE(::evbus::testutil::AssignTo(&p, Producer::Attach(seg_.get(), "w")).ok());
    std::uint64_t id;
    for (int i = 0; i < 2000; ++i)
      ASSERT_TRUE(
          p->Publish({}, BodyFor(static_cast<std::uint64_t>(i), 40), 10 * kSecond, &id).ok());
  });
  Record r;
  for (std::uint64_t i = 0; i < 2000; ++i) {
    ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 10 * kSecond));
    ASSERT_EQ(i, r.id);
    ASSERT_EQ(BodyFor(i, 40), r.body);
  }
  writer.join();
}

INSTANTIATE_TEST_SUITE_P(Strategies, RingStrategyTest,
                         ::testing::Values(WaitStrategy::kBusySpin, WaitStrategy::kSpinYield,
                                           WaitStrategy::kBlocking));

}  // namespace
}  // namespace evbus::shm
