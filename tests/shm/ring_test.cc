// Producer/Subscriber behaviour: ids, sizes, gating, gaps, start positions.
// Crash recovery is in ring_abandon_test.cc, waiting in ring_wait_test.cc.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "shm/producer.h"
#include "shm/stats.h"
#include "shm/subscriber.h"
#include "tests/shm/ring_fixture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

TEST_F(RingTest, PublishedRecordIsReadBackWithItsMetadata) {
  Create(1 << 16, 64, 4096);
  auto sub = NewSubscriber(Opts("reader"));
  auto p = NewProducer();
  RecordMeta meta{123456789, 41, 7, 2, kFlagHidden};
  EXPECT_EQ(0u, MustPublish(p.get(), "{\"action\":\"run\"}", meta));
  EXPECT_EQ(1u, MustPublish(p.get(), "second"));
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
  EXPECT_EQ(0u, r.id);
  EXPECT_EQ("{\"action\":\"run\"}", r.body);
  EXPECT_EQ(123456789, r.meta.timestamp_ns);
  EXPECT_EQ(41, r.meta.cause);
  EXPECT_EQ(7, r.meta.type);
  EXPECT_EQ(2, r.meta.source);
  EXPECT_EQ(kFlagHidden, r.meta.flags);
  EXPECT_EQ(p->slot_index(), r.producer_slot);
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
  EXPECT_EQ(1u, r.id);
  EXPECT_EQ("second", r.body);
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
  EXPECT_EQ(2u, sub->next_id());
}

TEST_F(RingTest, RecordsFromOneByteToMaxSizeRoundTripAcrossTheWrap) {
  Create(1 << 16, 64, 8192);
  auto sub = NewSubscriber(Opts("reader", /*durable=*/true));
  auto p = NewProducer();
  std::vector<std::size_t> sizes = {1, 2, 63, 64, 65, 127, 128, 1000, 4095, 4096, 8191, 8192};
  for (int round = 0; round < 12; ++round) {  // several laps of the 64 KiB ring
    for (std::size_t size : sizes) {
      std::uint64_t id =
          MustPublish(p.get(), BodyFor(size + 1000 * static_cast<std::size_t>(round), size));
      Record r;
      ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
      ASSERT_EQ(id, r.id);
      ASSERT_EQ(BodyFor(size + 1000 * static_cast<std::size_t>(round), size), r.body);
    }
  }
}

TEST_F(RingTest, TryPublishOfARecordAboveMaxRecordSizeWritesNothing) {
  Create(1 << 16, 64, 1024);
  auto p = NewProducer();
  std::uint64_t id = 99;
  EXPECT_EQ(PublishResult::kTooLarge, p->TryPublish({}, std::string(1025, 'x'), &id));
  EXPECT_EQ(99u, id);
  EXPECT_EQ(0u, Snapshot(*seg_).next_id) << "no id was consumed";
  EXPECT_EQ(0u, Snapshot(*seg_).tail) << "no byte was claimed";
  // Publish takes it all the same: the body goes to a body file and the
  // ring holds a reference (big_event_test.cc covers that path).
  EXPECT_EQ(0u, MustPublish(p.get(), std::string(5000, 'x')));
  EXPECT_EQ(1u, MustPublish(p.get(), std::string(1024, 'x')));
}

TEST_F(RingTest, IdsAreDenseAndInOrderWithSeveralThreadsPublishing) {
  constexpr int kThreads = 4;
  constexpr std::uint64_t kPerThread = 3000;
  Create(1 << 16, 256, 2048);  // small ring: many laps and back-pressure
  auto sub = NewSubscriber(Opts("checker", /*durable=*/true));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<Producer> p;
      if (!::evbus::testutil::AssignTo(&p, Producer::Attach(seg_.get(), "t" + std::to_string(t)))
               .ok()) {
        ++failures;
        return;
      }
      for (std::uint64_t i = 0; i < kPerThread; ++i) {
        std::string body = std::to_string(t) + "/" + std::to_string(i) + std::string(i % 300, '.');
        std::uint64_t id;
        if (!p->Publish({}, body, 10 * kSecond, &id).ok()) ++failures;
      }
    });
  }
  std::vector<std::uint64_t> next_seq(kThreads, 0);
  Record r;
  for (std::uint64_t expect = 0; expect < kThreads * kPerThread; ++expect) {
    ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, 10 * kSecond)) << "at id " << expect;
    ASSERT_EQ(expect, r.id);
    std::string_view b = r.body;
    int t = b[0] - '0';
    std::uint64_t seq = std::stoull(std::string(b.substr(2, b.find('.') - 2)));
    ASSERT_EQ(next_seq[static_cast<std::size_t>(t)], seq) << "per-producer order";
    ++next_seq[static_cast<std::size_t>(t)];
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(0, failures.load());
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
}

TEST_F(RingTest, DurableSubscriberBackPressuresProducersAndLosesNothing) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("persister", /*durable=*/true));
  auto p = NewProducer();
  std::uint64_t id = 0, published = 0;
  while (p->TryPublish({}, BodyFor(published, 100), &id) == PublishResult::kOk) ++published;
  EXPECT_EQ(64u, published) << "index ring (64 entries) is the bound";
  Status s = p->Publish({}, "late", 20'000'000, &id);
  ASSERT_TRUE(s.IsBackPressured()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("persister")) << s.message();
  Record r;
  for (std::uint64_t i = 0; i < published; ++i) {
    ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
    ASSERT_EQ(i, r.id);
    ASSERT_EQ(BodyFor(i, 100), r.body);
  }
  EXPECT_EQ(published, MustPublish(p.get(), "late"));
  EXPECT_GE(Snapshot(*seg_).producers[0].backpressure_waits, 1u);
}

TEST_F(RingTest, DurableSubscriberGatesOnDataBytesToo) {
  Create(1 << 14, 1024, 4096);  // 16 KiB of data, 1024 index entries
  auto sub = NewSubscriber(Opts("persister", /*durable=*/true));
  auto p = NewProducer();
  std::uint64_t id = 0, published = 0;
  while (p->TryPublish({}, std::string(4096, 'd'), &id) == PublishResult::kOk) ++published;
  EXPECT_EQ(4u, published);
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
  EXPECT_EQ(PublishResult::kOk, p->TryPublish({}, std::string(4096, 'e'), &id));
  EXPECT_EQ(4u, id);
}

TEST_F(RingTest, LappedNonDurableSubscriberGetsAnExactGapAndNoTornRecord) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("slow"));
  auto p = NewProducer();
  const std::uint64_t total = 64 * 3 + 10;
  for (std::uint64_t i = 0; i < total; ++i) MustPublish(p.get(), BodyFor(i, 50 + i % 200));
  Record r;
  ASSERT_EQ(ReadStatus::kGap, sub->TryRead(&r));
  EXPECT_EQ(0u, r.gap_first);
  std::uint64_t next = r.gap_last + 1;
  EXPECT_GT(next, total - 64) << "everything before the oldest retained record is in the gap";
  EXPECT_LE(next, total);
  while (next < total) {
    ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
    ASSERT_EQ(next, r.id);
    ASSERT_EQ(BodyFor(next, 50 + next % 200), r.body);
    ++next;
  }
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
  SegmentStats st = Snapshot(*seg_);
  ASSERT_EQ(1u, st.subscribers.size());
  EXPECT_EQ(total, st.subscribers[0].delivered + st.subscribers[0].gaps);
}

TEST_F(RingTest, SubscriberLappedByDataBytesGetsAnExactGap) {
  Create(1 << 14, 1024, 4096);  // data is the bound: 4 records of 4 KiB
  auto sub = NewSubscriber(Opts("slow"));
  auto p = NewProducer();
  for (std::uint64_t i = 0; i < 20; ++i) MustPublish(p.get(), BodyFor(i, 4000));
  Record r;
  std::uint64_t accounted = 0;
  while (true) {
    ReadStatus st = sub->TryRead(&r);
    if (st == ReadStatus::kEmpty) break;
    if (st == ReadStatus::kGap) {
      ASSERT_EQ(accounted, r.gap_first);
      accounted = r.gap_last + 1;
    } else {
      ASSERT_EQ(ReadStatus::kRecord, st);
      ASSERT_EQ(accounted, r.id);
      ASSERT_EQ(BodyFor(r.id, 4000), r.body);
      ++accounted;
    }
  }
  EXPECT_EQ(20u, accounted);
  EXPECT_GE(Snapshot(*seg_).subscribers[0].delivered, 1u);
}

TEST_F(RingTest, StartsAtOldestLatestOrGivenId) {
  Create(1 << 16, 64, 1024);
  auto p = NewProducer();
  for (std::uint64_t i = 0; i < 10; ++i) MustPublish(p.get(), BodyFor(i, 10));
  auto oldest = NewSubscriber(Opts("o", false, StartAt::kOldest));
  auto latest = NewSubscriber(Opts("l", false, StartAt::kLatest));
  auto at = NewSubscriber(Opts("a", false, StartAt::kAtId, 7));
  EXPECT_EQ(0u, oldest->next_id());
  EXPECT_EQ(10u, latest->next_id());
  EXPECT_EQ(7u, at->next_id());
  MustPublish(p.get(), BodyFor(10, 10));
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, oldest->TryRead(&r));
  EXPECT_EQ(0u, r.id);
  ASSERT_EQ(ReadStatus::kRecord, latest->TryRead(&r));
  EXPECT_EQ(10u, r.id);
  ASSERT_EQ(ReadStatus::kRecord, at->TryRead(&r));
  EXPECT_EQ(7u, r.id);
  EXPECT_EQ(BodyFor(7, 10), r.body);
}

TEST_F(RingTest, StartAtAnOverwrittenIdReportsTheGapToTheOldestRetained) {
  Create(1 << 16, 64, 1024);
  auto p = NewProducer();
  for (std::uint64_t i = 0; i < 200; ++i) MustPublish(p.get(), BodyFor(i, 10));
  auto oldest = NewSubscriber(Opts("o", false, StartAt::kOldest));
  EXPECT_EQ(200u - 64u, oldest->next_id());
  auto at = NewSubscriber(Opts("a", false, StartAt::kAtId, 5));
  Record r;
  ASSERT_EQ(ReadStatus::kGap, at->TryRead(&r));
  EXPECT_EQ(5u, r.gap_first);
  EXPECT_GE(r.gap_last, 200u - 64u - 1);
  EXPECT_LT(r.gap_last, 200u);
  std::uint64_t resume = r.gap_last + 1;
  ASSERT_EQ(ReadStatus::kRecord, at->TryRead(&r));
  EXPECT_EQ(resume, r.id);
}

TEST_F(RingTest, DurableSubscriberResumesByNameAndUnregisterStopsGating) {
  Create(1 << 16, 64, 1024);
  auto p = NewProducer();
  {
    auto sub = NewSubscriber(Opts("persister", true));
    for (int i = 0; i < 5; ++i) MustPublish(p.get(), "x");
    Record r;
    for (int i = 0; i < 3; ++i) ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r));
    std::unique_ptr<Subscriber> twin;
    EXPECT_EQ(
        Status::Code::kAlreadyExists,
        ::evbus::testutil::AssignTo(&twin, Subscriber::Attach(seg_.get(), Opts("persister", true)))
            .code());
  }
  auto again = NewSubscriber(Opts("persister", true, StartAt::kLatest));
  EXPECT_EQ(3u, again->next_id()) << "resumes from its cursor, ignoring start";
  EXPECT_EQ(Status::Code::kBusy, Subscriber::Unregister(seg_.get(), "persister").code());
  again.reset();
  ASSERT_TRUE(Subscriber::Unregister(seg_.get(), "persister").ok());
  for (int i = 0; i < 200; ++i) MustPublish(p.get(), "y");  // no longer gated
}

}  // namespace
}  // namespace evbus::shm
