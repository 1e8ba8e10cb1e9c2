// Sleeper sets (shm/sleepers.h, wait.h): joining and leaving change the
// version, and clearing dead sleepers removes exactly the bits of slots
// without a live owner.
#include "shm/sleepers.h"

#include <gtest/gtest.h>

#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

class SleepersTest : public RingTest {
 protected:
  void SetUp() override {
    RingTest::SetUp();
    Create(1 << 16, 64, 1024);
  }
  WaitWord* w() const { return seg_->wait_word(); }
};

TEST_F(SleepersTest, JoinAndLeaveAreOneStepEachThatMovesTheVersion) {
  const Sleeper me = SubscriberSleeper(*seg_, 5);
  JoinSleepers(me);
  EXPECT_EQ(w()->waiters.load(), 1u << 5);
  EXPECT_EQ(w()->waiters_version.load(), 1u);
  EXPECT_TRUE(LeaveSleepers(me));
  EXPECT_EQ(w()->waiters.load(), 0u);
  EXPECT_EQ(w()->waiters_version.load(), 2u);
  EXPECT_FALSE(LeaveSleepers(me)) << "not in the set: nothing changes";
  EXPECT_EQ(w()->waiters_version.load(), 2u);
}

TEST_F(SleepersTest, ClearsOnlyTheBitsOfSlotsWithoutALiveOwner) {
  auto producer = NewProducer();  // slot 0: its liveness lock is held
  ASSERT_EQ(0u, producer->slot_index());
  // Slot 0 (alive) and slots 3 and 9 (nobody attached: as if killed asleep).
  JoinSleepers(InFlightSleeper(*seg_, 0));
  JoinSleepers(InFlightSleeper(*seg_, 3));
  JoinSleepers(InFlightSleeper(*seg_, 9));
  EXPECT_EQ(2, ClearDeadSleepers(*seg_, &w()->inflight_waiters, SleeperSlots::kProducers));
  EXPECT_EQ(w()->inflight_waiters.load(), 1u);
  EXPECT_EQ(w()->dead_waiters_cleared.load(), 2u);
  EXPECT_EQ(0, ClearDeadSleepers(*seg_, &w()->inflight_waiters, SleeperSlots::kProducers));
  EXPECT_EQ(Snapshot(*seg_).producer_waiters, 1u);
}

TEST_F(SleepersTest, ACommitWakesOnceAndClearsAKilledSleeper) {
  JoinSleepers(SubscriberSleeper(*seg_, 7));  // slot 7 has no owner: its sleeper is gone
  auto producer = NewProducer();
  for (int i = 0; i < 100; ++i) MustPublish(producer.get(), "x");
  EXPECT_EQ(1u, w()->wake_calls.load()) << "only the first commit saw the dead bit";
  EXPECT_EQ(0u, w()->waiters.load());
}

TEST_F(SleepersTest, AProducerWakesASetOncePerChangeOfItNotOncePerCommit) {
  // A live sleeper (its slot's lock is held) that has not run since it was
  // woken: it is still in the set, as a reader on a busy CPU is.
  auto sub = NewSubscriber(Opts("reader"));
  const Sleeper reader = SubscriberSleeper(*seg_, sub->slot_index());
  JoinSleepers(reader);
  auto producer = NewProducer();
  for (int i = 0; i < 100; ++i) MustPublish(producer.get(), "x");
  EXPECT_EQ(1u, w()->wake_calls.load()) << "the set did not change after the first wake";
  EXPECT_EQ(Snapshot(*seg_).waiters, 1u) << "a live sleeper's bit was cleared";
  // It ran, left and sleeps again: a new version, so the next commit wakes it.
  ASSERT_TRUE(LeaveSleepers(reader));
  JoinSleepers(reader);
  MustPublish(producer.get(), "x");
  EXPECT_EQ(2u, w()->wake_calls.load()) << "a sleeper that joined again was not woken";
  // Another producer has its own memory of what it woke.
  auto other = NewProducer();
  MustPublish(other.get(), "x");
  MustPublish(other.get(), "x");
  EXPECT_EQ(3u, w()->wake_calls.load());
  // A producer waiting for an unfinished record is in the other set.
  JoinSleepers(InFlightSleeper(*seg_, other->slot_index()));
  MustPublish(producer.get(), "x");
  EXPECT_EQ(4u, w()->wake_calls.load()) << "a new in-flight sleeper was not woken";
}

TEST_F(SleepersTest, TheNextOwnerOfASlotForgetsWhatItsDeadOwnerLeft) {
  JoinSleepers(SubscriberSleeper(*seg_, 0));
  JoinSleepers(BackPressuredSleeper(*seg_, 0));
  JoinSleepers(InFlightSleeper(*seg_, 0));
  auto sub = NewSubscriber(Opts("reader"));
  ASSERT_EQ(0u, sub->slot_index());
  EXPECT_EQ(0u, w()->waiters.load());
  auto producer = NewProducer();
  ASSERT_EQ(0u, producer->slot_index());
  EXPECT_EQ(0u, w()->producer_waiters.load());
  EXPECT_EQ(0u, w()->inflight_waiters.load());
  EXPECT_EQ(3u, w()->dead_waiters_cleared.load());
}

}  // namespace
}  // namespace evbus::shm
