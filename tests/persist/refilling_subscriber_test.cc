// RefillingSubscriber: a reader that a small ring laps over and over gets
// every id exactly once, in order, refilled from the store the persister
// writes; without a persister the ids nobody holds are reported as lost.
#include "persist/refilling_subscriber.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "shm/atomic128.h"
#include "tests/persist/ring_store_fixture.h"

namespace evbus::persist {
namespace {

using testing::RingStoreTest;

class RefillingSubscriberTest : public RingStoreTest {
 protected:
  RefillOptions Options() const {
    RefillOptions options;
    options.subscriber.name = "refill-test";
    options.store_root = tmp_.path();
    options.session_id = stream_;
    options.store_wait_ns = 20'000'000'000;  // a loaded machine's persister may lag
    return options;
  }
  std::uint64_t RingHead() const { return shm::LoadHalfAcquire(&segment_->claim()->next_id); }
};

TEST_F(RefillingSubscriberTest, RefillsEveryLapFromTheStoreWhileThePersisterRuns) {
  constexpr std::uint32_t kSlots = 32;
  constexpr int kEvents = 4000;
  CreateStream(1 << 14, kSlots);
  StartPersister();
  auto sub = RefillingSubscriber::Attach(segment_.get(), Options());
  ASSERT_TRUE(sub.ok()) << sub.status().ToString();
  std::thread producer([&] { Publish(kEvents); });

  StoredEvent event;
  std::int64_t first = 0, last = 0, expected = 0;
  while (expected < kEvents) {
    // Every 100 events, fall behind by more than the ring holds: a lap.
    if (expected % 100 == 0) {
      const auto target = static_cast<std::uint64_t>(expected) + 3 * kSlots;
      ASSERT_TRUE(WaitFor([&] {
        return RingHead() >= target || published_.load(std::memory_order_acquire) == kEvents;
      }));
    }
    const RefillRead r = (*sub)->Read(&event, 10'000'000'000, &first, &last);
    ASSERT_EQ(r, RefillRead::kEvent)
        << "at id " << expected << ": [" << first << ", " << last << "]";
    ASSERT_EQ(event.meta.id, expected);
    ASSERT_NE(event.json.find("\"event " + std::to_string(expected) + " "), std::string::npos)
        << event.json;
    ++expected;
  }
  producer.join();
  const RefillStats& stats = (*sub)->stats();
  EXPECT_EQ(stats.from_ring + stats.from_store, static_cast<std::uint64_t>(kEvents));
  EXPECT_GE(stats.gaps, 10u);
  EXPECT_GT(stats.from_store, 0u);
  EXPECT_EQ(stats.lost, 0u);
  EXPECT_EQ(stats.missing, 0u);
  EXPECT_EQ((*sub)->next_id(), static_cast<std::uint64_t>(kEvents));
}

TEST_F(RefillingSubscriberTest, ReportsIdsNobodyHoldsAsLostWithTheirRange) {
  constexpr std::uint32_t kSlots = 16;
  CreateStream(1 << 14, kSlots);  // no persister: the ring overwrites freely
  auto sub = RefillingSubscriber::Attach(segment_.get(), Options());
  ASSERT_TRUE(sub.ok());
  Publish(200);

  StoredEvent event;
  std::int64_t first = 0, last = 0, next = 0;
  std::vector<std::pair<std::int64_t, std::int64_t>> lost;
  while (next < 200) {
    const RefillRead r = (*sub)->Read(&event, 1'000'000'000, &first, &last);
    ASSERT_NE(r, RefillRead::kEmpty) << "at id " << next;
    ASSERT_NE(r, RefillRead::kMissing);
    ASSERT_EQ(first, next);
    if (r == RefillRead::kLost) {
      lost.emplace_back(first, last);
    } else {
      ASSERT_EQ(event.meta.id, first);
    }
    next = last + 1;
  }
  ASSERT_EQ(lost.size(), 1u);
  EXPECT_EQ(lost[0].first, 0);
  EXPECT_GE(lost[0].second, 200 - static_cast<std::int64_t>(kSlots) - 1);
  EXPECT_EQ((*sub)->stats().lost, static_cast<std::uint64_t>(lost[0].second + 1));
  EXPECT_EQ((*sub)->stats().from_ring, static_cast<std::uint64_t>(199 - lost[0].second));
  Publish(1);  // and it continues live
  ASSERT_EQ((*sub)->Read(&event, 1'000'000'000, &first, &last), RefillRead::kEvent);
  EXPECT_EQ(event.meta.id, 200);
}

TEST_F(RefillingSubscriberTest, RefusesADurableSubscriber) {
  CreateStream(1 << 14, 16);
  RefillOptions options = Options();
  options.subscriber.durable = true;
  auto sub = RefillingSubscriber::Attach(segment_.get(), options);
  ASSERT_FALSE(sub.ok());
  EXPECT_TRUE(sub.status().IsInvalidArgument()) << sub.status().ToString();
}

}  // namespace
}  // namespace evbus::persist
