// UnifiedView: the store and the ring read as one stream, with no hole and
// no duplicate, also while the persister runs behind the producers.
#include "persist/unified_view.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "persist/record_convert.h"
#include "persist/store_writer.h"
#include "tests/persist/ring_store_fixture.h"

namespace evbus::persist {
namespace {

using testing::RingStoreTest;

class UnifiedViewTest : public RingStoreTest {
 protected:
  UnifiedViewOptions ViewOptions() const {
    UnifiedViewOptions options;
    options.store_root = tmp_.path();
    options.session_id = stream_;
    return options;
  }
  // Asserts `events` are exactly ids first, first + 1, ... with their content.
  static void ExpectConsecutive(const std::vector<StoredEvent>& events, std::int64_t first) {
    for (std::size_t i = 0; i < events.size(); ++i) {
      const std::int64_t id = first + static_cast<std::int64_t>(i);
      ASSERT_EQ(events[i].meta.id, id);
      ASSERT_NE(events[i].json.find("\"event " + std::to_string(id) + " "), std::string::npos)
          << events[i].json;
    }
  }
};

TEST_F(UnifiedViewTest, SeesRingOnlyEventsAfterTheStoredOnesWithNoHole) {
  CreateStream(1 << 20, 1 << 10);
  StartPersister();
  Publish(60);
  ASSERT_TRUE(WaitFor([&] { return persister_->durable_next_id() >= 60; }));
  StopPersister();  // its durable registration stays: nothing more is stored
  Publish(40);

  UnifiedView view(segment_.get(), ViewOptions());
  ASSERT_NE(view.store(), nullptr);
  EXPECT_EQ(view.store()->GetLatestEventId(), 59);
  EXPECT_EQ(view.GetLatestEventId(), 99);

  auto all = view.SearchEventsJson(SearchQuery());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 100u);
  ExpectConsecutive(*all, 0);

  SearchQuery across;  // 55..65 in reverse: ring part first, then the store's
  across.start_id = 55;
  across.end_id = 65;
  across.reverse = true;
  auto reversed = view.SearchEventsJson(across);
  ASSERT_TRUE(reversed.ok());
  ASSERT_EQ(reversed->size(), 11u);
  for (std::size_t i = 0; i < reversed->size(); ++i) {
    EXPECT_EQ((*reversed)[i].meta.id, 65 - static_cast<std::int64_t>(i));
  }

  auto stored = view.GetEventJson(10);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->meta.id, 10);
  auto ring_only = view.GetEventJson(80);
  ASSERT_TRUE(ring_only.ok()) << ring_only.status().ToString();
  EXPECT_NE(ring_only->json.find("\"event 80 "), std::string::npos);
  auto latest = view.GetLatestEventJson();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->meta.id, 99);
  EXPECT_TRUE(view.GetEventJson(100).status().IsNotFound());
}

TEST_F(UnifiedViewTest, EveryIdVisibleExactlyOnceWhileThePersisterCatchesUp) {
  // A ring of 64 ids: readers are lapped constantly and must fall back on
  // the store for what the ring dropped.
  CreateStream(1 << 16, 64);
  StartPersister();
  constexpr int kEvents = 3000;
  std::thread producer([&] { Publish(kEvents); });
  UnifiedView view(segment_.get(), ViewOptions());
  int searches = 0;
  std::size_t longest = 0;
  while (published_.load(std::memory_order_acquire) < kEvents || searches < 3) {
    auto events = view.SearchEventsJson(SearchQuery());
    ASSERT_TRUE(events.ok()) << events.status().ToString();
    ExpectConsecutive(*events, 0);  // a prefix of the stream: no hole, no duplicate
    longest = std::max(longest, events->size());
    ++searches;
  }
  producer.join();
  auto all = view.SearchEventsJson(SearchQuery());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<std::size_t>(kEvents));
  ExpectConsecutive(*all, 0);
  EXPECT_GT(longest, 0u);
}

TEST_F(UnifiedViewTest, ReadsTheStoreAloneWhenTheStreamHasNoSegment) {
  stream_.clear();
  auto writer = StoreWriter::Open(EvbusDir(tmp_.path(), "gone", "").value(), {});
  ASSERT_TRUE(writer.ok());
  for (std::uint64_t id = 0; id < 30; ++id) {
    Event event;
    event.type = EventTypeFromTag(EventKind::kObservation, "null").value();
    event.source = Source::kUser;
    event.content = ContentOf(static_cast<std::int64_t>(id));
    event.id = static_cast<std::int64_t>(id);
    ASSERT_TRUE((*writer)->Append(RecordMetaFromEvent(id, event), EventToJson(event)).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());

  UnifiedViewOptions options;
  options.store_root = tmp_.path();
  options.session_id = "gone";
  auto view = UnifiedView::Open(options);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ((*view)->segment(), nullptr);
  EXPECT_EQ((*view)->GetLatestEventId(), 29);
  SearchQuery query;
  query.start_id = 5;
  query.limit = 3;
  auto events = (*view)->SearchEventsJson(query);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  ExpectConsecutive(*events, 5);

  options.session_id = "never-created";
  auto missing = UnifiedView::Open(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status().ToString();
}

}  // namespace
}  // namespace evbus::persist
