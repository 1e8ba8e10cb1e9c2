// RingPrefaulter: starts at the first Note, populates what the ring holds
// and keeps the populated frontier kAhead beyond the producers' tail, ends
// after one lap; a read-only mapping (a subscriber's) is populated too; a
// thread that cannot start, and Stop at any time, leave publishing as it was.
#include "stream/ring_prefaulter.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

#include "shm/producer.h"
#include "shm/ring_prefault.h"
#include "tests/stream/stream_test_util.h"
#include "tests/testutil/assign_to.h"
#include "tests/testutil/page_faults.h"

namespace evbus {
namespace {

using testing::WaitFor;

constexpr std::uint64_t kLap = 8u << 20;
constexpr std::size_t kBody = 60u << 10;  // 61,440 B: a 64-aligned claim of the same size

class RingPrefaulterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = "prefault_test_" + std::to_string(::getpid());
    shm::SegmentOptions o;
    o.data_capacity = kLap;
    o.index_slots = 1024;
    o.max_record_size = 64u << 10;
    ASSERT_TRUE(testutil::AssignTo(&seg_, shm::Segment::Create(stream_, "", o)).ok());
    ASSERT_TRUE(testutil::AssignTo(&producer_, shm::Producer::Attach(seg_.get(), "p")).ok());
  }
  void TearDown() override {
    producer_.reset();
    seg_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }
  // Publishes `n` records of kBody bytes (ids need no reader: none gates them).
  void Publish(int n) {
    const std::string body(kBody, 'b');
    for (int i = 0; i < n; ++i) {
      std::uint64_t id = 0;
      ASSERT_EQ(producer_->TryPublish({}, body, &id), shm::PublishResult::kOk);
    }
  }
  std::uint64_t Tail() const { return shm::DataTailHint(*seg_); }

  std::string stream_;
  std::unique_ptr<shm::Segment> seg_;
  std::unique_ptr<shm::Producer> producer_;
  std::vector<std::string> log_;
};

TEST_F(RingPrefaulterTest, NothingRunsBeforeTheFirstNote) {
  std::atomic<int> threads{0};
  RingPrefaulter p(
      seg_.get(),
      [&](std::function<void()> body) {
        threads.fetch_add(1);
        return std::thread(std::move(body));
      },
      [](const std::string&) {});
  Publish(3);
  EXPECT_EQ(p.frontier(), 0u);
  EXPECT_EQ(threads.load(), 0) << "a process that never adds has no prefault thread";
  p.Stop();
  p.Stop();  // idempotent
}

TEST_F(RingPrefaulterTest, TheFrontierStaysAheadOfTheTailAndStopsAfterOneLap) {
  RingPrefaulter p(seg_.get(), {}, [this](const std::string& line) { log_.push_back(line); });
  Publish(1);
  const std::uint64_t start = Tail();
  p.Note();
  ASSERT_TRUE(WaitFor([&] { return p.frontier() >= start + RingPrefaulter::kAhead; }))
      << p.frontier();
  // The producer moves on; a Note that finds the tail within kLowWater of
  // the frontier moves the frontier kAhead beyond the tail.
  while (!p.done()) {
    Publish(4);
    p.Note();
    const std::uint64_t tail = Tail();
    ASSERT_TRUE(WaitFor([&] {
      return p.done() || p.frontier() >= std::min(tail + RingPrefaulter::kLowWater, kLap);
    })) << "tail "
        << tail << " frontier " << p.frontier();
    ASSERT_LE(p.frontier(), kLap) << "never more than one lap";
  }
  EXPECT_EQ(p.frontier(), kLap) << "done after exactly one lap, from the ring's start";
  EXPECT_TRUE(log_.empty()) << log_.front();
  const std::uint64_t before = p.frontier();
  Publish(4);
  p.Note();  // done: nothing more happens
  EXPECT_EQ(p.frontier(), before);
}

TEST_F(RingPrefaulterTest, ASubscribersMappingGetsWhatTheRingHoldsAndWhatComesNext) {
  Publish(50);  // about 3 MiB of history, never mapped in the read-only view below
  std::unique_ptr<shm::Segment> ro;
  ASSERT_TRUE(testutil::AssignTo(&ro, shm::Segment::OpenReadOnly(stream_, "")).ok());
  const std::uint64_t tail = Tail();
  RingPrefaulter p(ro.get(), {}, [this](const std::string& line) { log_.push_back(line); });
  p.Note();  // as a reader does after a read
  ASSERT_TRUE(WaitFor([&] { return p.frontier() >= tail + RingPrefaulter::kAhead; }))
      << p.frontier();
  const auto history = testutil::ReadOneBytePerPage(ro->data(), kLap, 0, tail);  // under a lap
  EXPECT_LE(history.faults, testutil::AllowedFaults(tail / 4096))
      << "the history's pages are mapped";
  EXPECT_GT(history.sum, 0u) << "the records' bytes are there";
  p.Stop();
  EXPECT_TRUE(log_.empty()) << log_.front();
}

TEST_F(RingPrefaulterTest, OnALappedRingOneLapBeforeTheTailIsEveryPage) {
  Publish(200);  // more than one lap of kLap
  const std::uint64_t tail = Tail();
  ASSERT_GT(tail, kLap);
  RingPrefaulter p(seg_.get(), {}, [](const std::string&) {});
  p.Note();
  ASSERT_TRUE(WaitFor([&] { return p.done(); }));
  EXPECT_EQ(p.frontier(), tail) << "the lap before the tail, and done";
}

TEST_F(RingPrefaulterTest, AThreadThatCannotStartIsLoggedOnceAndPublishingGoesOn) {
  RingPrefaulter p(
      seg_.get(),
      [](std::function<void()>) -> std::thread { throw std::runtime_error("no threads left"); },
      [this](const std::string& line) { log_.push_back(line); });
  p.Note();
  EXPECT_TRUE(p.done());
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_NE(log_[0].find("not populated ahead"), std::string::npos) << log_[0];
  Publish(3);
  p.Note();
  EXPECT_EQ(log_.size(), 1u) << "tried once, not per add";
}

TEST_F(RingPrefaulterTest, StopWhileRunningEndsTheThread) {
  RingPrefaulter p(seg_.get(), {}, [](const std::string&) {});
  p.Note();
  p.Stop();  // whatever it had populated; the thread has ended (else join would hang)
  EXPECT_TRUE(p.done());
  EXPECT_LE(p.frontier(), RingPrefaulter::kAhead);
}

}  // namespace
}  // namespace evbus
