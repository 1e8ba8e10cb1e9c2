// Dead and stalled producers: a record claimed but never committed is
// reported as abandoned and everything after it keeps flowing (I3).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/shm/ring_fixture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

std::atomic<bool> g_stalled{false};
std::atomic<bool> g_release{false};

// In a thread: stall between claim and commit until released.
void StallUntilReleased(std::uint64_t) {
  g_stalled.store(true);
  while (!g_release.load()) std::this_thread::yield();
}

using RingAbandonTest = RingTest;

TEST_F(RingAbandonTest, RecordOfAProducerKilledMidRecordIsReportedAndReadersMovePast) {
  Create(1 << 16, 64, 1024);  // default 2 s abandon timeout: liveness decides first
  auto a = NewSubscriber(Opts("a"));
  auto b = NewSubscriber(Opts("b"));
  auto p = NewProducer();
  EXPECT_EQ(0u, MustPublish(p.get(), "before"));
  EXPECT_EQ(1u, KillProducerMidRecord());
  EXPECT_EQ(2u, MustPublish(p.get(), "after"));
  for (Subscriber* sub : {a.get(), b.get()}) {
    Record r;
    ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 5 * kSecond));
    EXPECT_EQ("before", r.body);
    std::int64_t start = MonotonicNanos();
    ASSERT_EQ(ReadStatus::kAbandoned, sub->Read(&r, 5 * kSecond));
    EXPECT_EQ(1u, r.id);
    EXPECT_LT(MonotonicNanos() - start, kSecond) << "a dead owner is detected before the timeout";
    ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 5 * kSecond));
    EXPECT_EQ(2u, r.id);
    EXPECT_EQ("after", r.body);
  }
  SegmentStats st = Snapshot(*seg_);
  for (const SubscriberStats& s : st.subscribers) EXPECT_EQ(1u, s.abandoned_seen);
}

TEST_F(RingAbandonTest, KilledProducerCannotStopOthersPublishingEvenWithNoReader) {
  Create(1 << 16, 64, 1024);
  auto p = NewProducer();
  EXPECT_EQ(0u, KillProducerMidRecord());
  // 64 index entries: the second lap needs entry 0, which the dead producer
  // holds; the live producer must recover it itself.
  for (std::uint64_t i = 1; i < 200; ++i) EXPECT_EQ(i, MustPublish(p.get(), BodyFor(i, 20)));
  EXPECT_EQ(AbandonedValue(0) & ~kAbandonedBit, 1u);
  auto sub = NewSubscriber(Opts("late", false, StartAt::kOldest));
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
  EXPECT_EQ(200u - 64u, r.id);
}

TEST_F(RingAbandonTest, LiveStalledProducerIsAbandonedOnlyAfterTheTimeout) {
  Create(1 << 16, 64, 1024, /*abandon_timeout_ns=*/300'000'000);
  auto sub = NewSubscriber(Opts("reader"));
  g_stalled = false;
  g_release = false;
  PublishResult result = PublishResult::kOk;
  std::thread writer([&] {
    std::unique_ptr<Producer> p;
    ASSERT_TRUE(::evbus::testutil::AssignTo(&p, Producer::Attach(seg_.get(), "slow")).ok());
    testing::SetPauseAfterClaimHook(&StallUntilReleased);
    std::uint64_t id;
    result = p->TryPublish({}, "too late", &id);
  });
  while (!g_stalled.load()) std::this_thread::yield();
  Record r;
  const std::int64_t start = MonotonicNanos();
  EXPECT_EQ(ReadStatus::kEmpty, sub->Read(&r, 50'000'000)) << "owner alive: keep waiting";
  ASSERT_EQ(ReadStatus::kAbandoned, sub->Read(&r, 5 * kSecond));
  EXPECT_GE(MonotonicNanos() - start, 300'000'000);
  EXPECT_EQ(0u, r.id);
  g_release = true;
  writer.join();
  EXPECT_EQ(PublishResult::kAbandoned, result) << "the commit CAS lost to the abandon CAS";
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r)) << "the late record is never delivered";
  ASSERT_EQ(1u, Snapshot(*seg_).producers.size());
  EXPECT_EQ(1u, Snapshot(*seg_).producers[0].abandoned);
}

TEST_F(RingAbandonTest, ProducerThatFinishesBeforeTheTimeoutIsDelivered) {
  Create(1 << 16, 64, 1024, /*abandon_timeout_ns=*/10 * kSecond);
  auto sub = NewSubscriber(Opts("reader"));
  g_stalled = false;
  g_release = false;
  std::thread writer([&] {
    std::unique_ptr<Producer> p;
    ASSERT_TRUE(::evbus::testutil::AssignTo(&p, Producer::Attach(seg_.get(), "slow")).ok());
    testing::SetPauseAfterClaimHook(&StallUntilReleased);
    std::uint64_t id;
    EXPECT_EQ(PublishResult::kOk, p->TryPublish({}, "made it", &id));
  });
  while (!g_stalled.load()) std::this_thread::yield();
  Record r;
  EXPECT_EQ(ReadStatus::kEmpty, sub->Read(&r, 30'000'000));
  g_release = true;
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 5 * kSecond));
  EXPECT_EQ("made it", r.body);
  writer.join();
}

}  // namespace
}  // namespace evbus::shm
