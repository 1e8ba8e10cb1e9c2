// Every abandoned id is reported with the pid of the producer that claimed
// it: to subscribers (Record::abandoned_by_pid), to a read-only peek, and in
// the list of recent abandoned ids the inspector shows.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "shm/peek.h"
#include "tests/shm/ring_fixture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

std::atomic<int> g_stalled{0};
std::atomic<bool> g_release{false};

// In a thread: stall between claim and commit until released.
void StallUntilReleased(std::uint64_t) {
  g_stalled.fetch_add(1);
  while (!g_release.load()) std::this_thread::yield();
}

class AbandonedByTest : public RingTest {
 protected:
  // Reads the next status; expects kAbandoned of `id` and returns its pid.
  static std::int32_t ReadAbandoned(Subscriber* sub, std::uint64_t id) {
    Record r;
    EXPECT_EQ(ReadStatus::kAbandoned, sub->Read(&r, 5 * kSecond));
    EXPECT_EQ(id, r.id);
    return r.abandoned_by_pid;
  }
};

TEST_F(AbandonedByTest, SubscribersPeekAndRecentListNameTheDeadProducersPid) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("reader"));
  auto p = NewProducer();
  EXPECT_EQ(0u, MustPublish(p.get(), "before"));
  pid_t dead = 0;
  ASSERT_EQ(1u, KillProducerMidRecord(&dead));
  EXPECT_EQ(2u, MustPublish(p.get(), "after"));
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 5 * kSecond));
  EXPECT_EQ(dead, ReadAbandoned(sub.get(), 1));
  // A second reader, after the first one abandoned it, is told the same.
  auto late = NewSubscriber(Opts("late", false, StartAt::kAtId, 1));
  EXPECT_EQ(dead, ReadAbandoned(late.get(), 1));

  std::vector<char> buffer;
  Record peeked;
  ASSERT_EQ(PeekStatus::kAbandoned, PeekRecord(*seg_, 1, &peeked, &buffer));
  EXPECT_EQ(1u, peeked.id);
  EXPECT_EQ(dead, peeked.abandoned_by_pid);
  const std::vector<AbandonedRange> recent = RecentAbandoned(*seg_, 10);
  ASSERT_EQ(1u, recent.size());
  EXPECT_EQ(1u, recent[0].first);
  EXPECT_EQ(1u, recent[0].last);
  EXPECT_EQ(dead, recent[0].producer_pid);
}

TEST_F(AbandonedByTest, PidComesFromTheProducerSlotWhenTheClaimantStoreIsMissing) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("reader"));
  pid_t dead = 0;
  ASSERT_EQ(0u, KillProducerMidRecord(&dead, /*forget_claimant=*/true));
  ASSERT_EQ(0, ClaimantPid(seg_->index_entry(0)->claimant.load(), 0));
  EXPECT_EQ(dead, ReadAbandoned(sub.get(), 0)) << "the slot still says CLAIMED|0";
}

TEST_F(AbandonedByTest, RecentAbandonedMergesRunsOfOneProducerNewestFirst) {
  Create(1 << 16, 64, 1024, /*abandon_timeout_ns=*/20'000'000);
  auto sub = NewSubscriber(Opts("reader"));
  auto p = NewProducer();
  EXPECT_EQ(0u, MustPublish(p.get(), "zero"));
  pid_t dead = 0;
  ASSERT_EQ(1u, KillProducerMidRecord(&dead));
  // Ids 2 and 3: two producers of this process stall past the timeout.
  g_stalled = 0;
  g_release = false;
  testing::SetPauseAfterClaimHook(&StallUntilReleased);
  std::vector<std::thread> stalled;
  for (int i = 0; i < 2; ++i) {
    stalled.emplace_back([this, i] {
      auto slow = NewProducer("slow" + std::to_string(i));
      std::uint64_t id;
      EXPECT_EQ(PublishResult::kAbandoned, slow->TryPublish({}, "too late", &id));
    });
    while (g_stalled.load() != i + 1) std::this_thread::yield();
  }
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 5 * kSecond));
  EXPECT_EQ(dead, ReadAbandoned(sub.get(), 1));
  EXPECT_EQ(::getpid(), ReadAbandoned(sub.get(), 2));
  EXPECT_EQ(::getpid(), ReadAbandoned(sub.get(), 3));
  g_release = true;
  for (std::thread& t : stalled) t.join();
  testing::SetPauseAfterClaimHook(nullptr);
  EXPECT_EQ(4u, MustPublish(p.get(), "four"));

  const std::vector<AbandonedRange> recent = RecentAbandoned(*seg_, 10);
  ASSERT_EQ(2u, recent.size());
  EXPECT_EQ(2u, recent[0].first);
  EXPECT_EQ(3u, recent[0].last);
  EXPECT_EQ(::getpid(), recent[0].producer_pid);
  EXPECT_EQ(1u, recent[1].first);
  EXPECT_EQ(1u, recent[1].last);
  EXPECT_EQ(dead, recent[1].producer_pid);
  EXPECT_EQ(1u, RecentAbandoned(*seg_, 1).size()) << "at most max_ranges ranges";
}

}  // namespace
}  // namespace evbus::shm
