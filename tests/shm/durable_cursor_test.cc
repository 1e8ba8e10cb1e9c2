// A durable subscriber publishes its cursor once per batch of records (and
// whenever it runs dry), not after every record: the release stores and the
// seq_cst fence of the producer wake-up check are paid once per batch. The
// gate still sees only the published cursor, so no producer ever overwrites
// what the subscriber has not read (invariant 4), and blocked producers
// proceed because the cursor is always published before the reader waits.
#include <gtest/gtest.h>

#include <thread>

#include "shm/atomic128.h"
#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

class DurableCursorTest : public RingTest {
 protected:
  std::uint64_t PublishedCursor(const Subscriber& sub) const {
    return seg_->subscriber_slot(sub.slot_index())->next_id.load();
  }
  void PublishN(Producer* p, int n) {
    for (int i = 0; i < n; ++i) MustPublish(p, BodyFor(static_cast<std::uint64_t>(i), 100));
  }
  void ReadN(Subscriber* sub, int n) {
    Record r;
    for (int i = 0; i < n; ++i) ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r)) << i;
  }
};

TEST_F(DurableCursorTest, CursorIsPublishedOncePerBatchNotAfterEveryRecord) {
  Create(1 << 20, 1024, 1024);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("durable", true));
  PublishN(p.get(), 100);
  ReadN(sub.get(), 10);
  EXPECT_EQ(0u, PublishedCursor(*sub)) << "10 records read: below one batch";
  ReadN(sub.get(), kDefaultCursorBatch - 10);
  EXPECT_EQ(kDefaultCursorBatch, PublishedCursor(*sub)) << "a full batch";
  ReadN(sub.get(), 100 - kDefaultCursorBatch);
  EXPECT_EQ(kDefaultCursorBatch, PublishedCursor(*sub));
  Record r;
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
  EXPECT_EQ(100u, PublishedCursor(*sub)) << "published as soon as nothing is left";
}

TEST_F(DurableCursorTest, CursorBatchOfOnePublishesAfterEveryRecord) {
  Create(1 << 20, 1024, 1024);
  auto p = NewProducer();
  SubscriberOptions o = Opts("durable", true);
  o.cursor_batch = 1;
  auto sub = NewSubscriber(o);
  PublishN(p.get(), 5);
  for (std::uint64_t i = 1; i <= 5; ++i) {
    ReadN(sub.get(), 1);
    EXPECT_EQ(i, PublishedCursor(*sub));
  }
}

TEST_F(DurableCursorTest, FlushProgressPublishesAPartialBatch) {
  Create(1 << 20, 1024, 1024);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("durable", true));
  PublishN(p.get(), 5);
  ReadN(sub.get(), 3);
  EXPECT_EQ(0u, PublishedCursor(*sub));
  sub->FlushProgress();
  EXPECT_EQ(3u, PublishedCursor(*sub));
}

TEST_F(DurableCursorTest, ProducersAreGatedByThePublishedCursorOnly) {
  Create(1 << 20, 64, 1024);  // batch: 64 / 8 = 8 records
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("durable", true));
  PublishN(p.get(), 64);
  ReadN(sub.get(), 5);  // read, not yet published
  std::uint64_t id = 0;
  EXPECT_EQ(PublishResult::kBackPressured, p->TryPublish({}, "x", &id))
      << "the entries of ids 0..4 are not free until the cursor says so";
  sub->FlushProgress();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(PublishResult::kOk, p->TryPublish({}, "x", &id)) << i;
  EXPECT_EQ(PublishResult::kBackPressured, p->TryPublish({}, "x", &id));
}

TEST_F(DurableCursorTest, BlockedProducersProceedWhateverTheBatchSize) {
  for (std::uint32_t batch : {0u, 1u, 3u, 1000u}) {
    TearDown();
    SetUp();
    Create(1 << 14, 16, 256);  // a ring of 16 records: producers block often
    auto sub = NewSubscriber([&] {
      SubscriberOptions o = Opts("durable", true);
      o.cursor_batch = batch;
      return o;
    }());
    constexpr std::uint64_t kRecords = 3000;
    std::thread producer([&] {
      auto p = NewProducer();
      for (std::uint64_t i = 0; i < kRecords; ++i) {
        ASSERT_EQ(i, MustPublish(p.get(), BodyFor(i, 40 + i % 150))) << "batch " << batch;
      }
    });
    Record r;
    for (std::uint64_t i = 0; i < kRecords && !HasFailure(); ++i) {
      ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 10 * kSecond)) << "batch " << batch;
      ASSERT_EQ(i, r.id);
      ASSERT_EQ(BodyFor(i, 40 + i % 150), r.body);
    }
    producer.join();
  }
}

}  // namespace
}  // namespace evbus::shm
