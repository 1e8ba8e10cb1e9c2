// A durable subscriber stores its cursor after every record (producers gate
// on it; a restarted subscriber resumes right after the last record read),
// but checks for producers sleeping on it (a seq_cst fence, and a futex wake
// when one sleeps) once per batch of records and before it waits, not after
// every record. Blocked producers still always go on.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "tests/shm/ring_fixture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

class DurableCursorTest : public RingTest {
 protected:
  void TearDown() override {
    if (seg_) seg_->wait_word()->producer_waiters.store(0);
    RingTest::TearDown();
  }
  std::uint64_t PublishedCursor(const Subscriber& sub) const {
    return seg_->subscriber_slot(sub.slot_index())->next_id.load();
  }
  std::uint64_t WakeCalls() const { return seg_->wait_word()->wake_calls.load(); }
  // As if a back-pressured producer slept on the durable cursor: every
  // wake-up check then issues a (harmless) futex wake and counts it.
  void PretendAProducerSleeps() { seg_->wait_word()->producer_waiters.store(1); }
  void PublishN(Producer* p, int n) {
    for (int i = 0; i < n; ++i) MustPublish(p, BodyFor(static_cast<std::uint64_t>(i), 100));
  }
  void ReadN(Subscriber* sub, int n) {
    Record r;
    for (int i = 0; i < n; ++i) ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r)) << i;
  }
};

TEST_F(DurableCursorTest, SleepingProducersAreCheckedOncePerBatchNotAfterEveryRecord) {
  Create(1 << 20, 1024, 1024);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("durable", true));
  PublishN(p.get(), 100);
  PretendAProducerSleeps();
  ReadN(sub.get(), 10);
  EXPECT_EQ(0u, WakeCalls()) << "10 records read: below one batch";
  EXPECT_EQ(10u, PublishedCursor(*sub)) << "the cursor itself moves with every record";
  ReadN(sub.get(), static_cast<int>(kDefaultWakeBatch) - 10);
  EXPECT_EQ(1u, WakeCalls()) << "a full batch";
  ReadN(sub.get(), 100 - static_cast<int>(kDefaultWakeBatch));
  EXPECT_EQ(1u, WakeCalls());
  EXPECT_EQ(100u, PublishedCursor(*sub));
  Record r;
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
  EXPECT_EQ(2u, WakeCalls()) << "checked before the reader would wait";
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
  EXPECT_EQ(2u, WakeCalls()) << "nothing read since: nothing owed";
}

TEST_F(DurableCursorTest, WakeBatchOfOneChecksAfterEveryRecord) {
  Create(1 << 20, 1024, 1024);
  auto p = NewProducer();
  SubscriberOptions o = Opts("durable", true);
  o.wake_batch = 1;
  auto sub = NewSubscriber(o);
  PublishN(p.get(), 5);
  PretendAProducerSleeps();
  for (std::uint64_t i = 1; i <= 5; ++i) {
    ReadN(sub.get(), 1);
    EXPECT_EQ(i, WakeCalls());
  }
}

TEST_F(DurableCursorTest, FlushProgressChecksAtOnce) {
  Create(1 << 20, 1024, 1024);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("durable", true));
  PublishN(p.get(), 5);
  PretendAProducerSleeps();
  ReadN(sub.get(), 3);
  EXPECT_EQ(0u, WakeCalls());
  sub->FlushProgress();
  EXPECT_EQ(1u, WakeCalls());
}

// A durable subscriber killed after reading resumes right after the last
// record it read: batching the wake-up check never holds the cursor back.
TEST_F(DurableCursorTest, KilledDurableSubscriberResumesRightAfterItsLastRead) {
  Create(1 << 20, 1024, 1024);
  auto p = NewProducer();
  PublishN(p.get(), 100);
  int fds[2];
  ASSERT_EQ(0, ::pipe(fds));
  const pid_t child = ::fork();
  if (child == 0) {
    std::unique_ptr<Segment> seg;
    std::unique_ptr<Subscriber> sub;
    if (!::evbus::testutil::AssignTo(&seg, Segment::Open(stream_, "")).ok()) ::_exit(1);
    if (!::evbus::testutil::AssignTo(&sub, Subscriber::Attach(seg.get(), Opts("durable", true)))
             .ok())
      ::_exit(2);
    Record r;
    for (int i = 0; i < 10; ++i) {
      if (sub->TryRead(&r) != ReadStatus::kRecord) ::_exit(3);
    }
    const char done = 'x';
    if (::write(fds[1], &done, 1) != 1) ::_exit(4);
    while (true) ::pause();  // killed here, its 10 reads not yet "checked"
  }
  char done = 0;
  ASSERT_EQ(1, ::read(fds[0], &done, 1));
  ::close(fds[0]);
  ::close(fds[1]);
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(child, ::waitpid(child, &status, 0));
  auto resumed = NewSubscriber(Opts("durable", true));
  EXPECT_EQ(10u, resumed->next_id());
}

TEST_F(DurableCursorTest, BlockedProducersProceedWhateverTheBatchSize) {
  for (std::uint32_t batch : {0u, 1u, 3u, 1000u}) {
    RingTest::TearDown();
    SetUp();
    Create(1 << 14, 16, 256);  // a ring of 16 records: producers sleep often
    SubscriberOptions o = Opts("durable", true);
    o.wake_batch = batch;
    auto sub = NewSubscriber(o);
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
