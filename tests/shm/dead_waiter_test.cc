// Waiters killed with SIGKILL while they sleep on a futex word must not keep
// costing a wake-up system call per commit (or per batch of reads): their
// registration disappears, and live waiters beside them are still woken.
// Real processes (tests/procs/waiting_reader_proc, ring_producer_proc).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "shm/producer.h"
#include "shm/stats.h"
#include "shm/subscriber.h"
#include "shm/wait.h"
#include "tests/shm/child_process.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

using testproc::ChildProcess;
using testproc::HelperPath;
using testproc::ScopedSegmentName;
using namespace std::chrono_literals;

constexpr std::int64_t kSecond = 1'000'000'000;

class DeadWaiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SegmentOptions o;
    o.data_capacity = 1 << 20;
    o.index_slots = 1024;
    o.max_record_size = 4096;
    Status s = ::evbus::testutil::AssignTo(&segment_, Segment::Create(name_.stream, "", o));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Starts a waiting reader process; false if it did not attach.
  bool StartReader(ChildProcess* child, const std::string& name) {
    if (!child->Start({HelperPath("waiting_reader_proc"), name_.stream, name})) return false;
    std::string line;
    return child->ReadLine(&line, 10s) && line.rfind("ready ", 0) == 0;
  }

  // Waits (with a deadline) until `cond` holds.
  template <typename Cond>
  static bool Eventually(Cond cond) {
    const std::int64_t deadline = MonotonicNanos() + 10 * kSecond;
    while (MonotonicNanos() < deadline) {
      if (cond()) return true;
      std::this_thread::yield();
    }
    return false;
  }

  std::uint32_t Waiters() const { return Snapshot(*segment_).waiters; }
  std::uint64_t WakeCalls() const { return Snapshot(*segment_).wake_calls; }

  void Publish(Producer* producer, int count) {
    std::uint64_t id = 0;
    for (int i = 0; i < count; ++i) {
      Status s = producer->Publish({}, "event " + std::to_string(i), 5 * kSecond, &id);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  ScopedSegmentName name_{"dead_waiter_test_" + std::to_string(::getpid())};
  std::unique_ptr<Segment> segment_;
};

TEST_F(DeadWaiterTest, KilledWaitingReadersNoLongerCostAWakePerCommit) {
  ChildProcess readers[3];
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(StartReader(&readers[i], "tail" + std::to_string(i)));
  ASSERT_TRUE(Eventually([&] { return Waiters() == 3; })) << "readers never slept";
  for (ChildProcess& r : readers) ASSERT_TRUE(r.KillAndReap());
  std::unique_ptr<Producer> producer;
  ASSERT_TRUE(
      ::evbus::testutil::AssignTo(&producer, Producer::Attach(segment_.get(), "writer")).ok());
  const std::uint64_t before = WakeCalls();
  Publish(producer.get(), 2000);
  // The first commit may still find the dead registrations (and clear them).
  EXPECT_LE(WakeCalls() - before, 3u) << "every commit still woke the dead readers";
  EXPECT_EQ(0u, Waiters()) << "the dead readers are still registered";
}

TEST_F(DeadWaiterTest, ALiveWaiterBesideKilledOnesIsStillWokenAndCounted) {
  ChildProcess readers[3];
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(StartReader(&readers[i], "tail" + std::to_string(i)));
  ASSERT_TRUE(Eventually([&] { return Waiters() == 3; })) << "readers never slept";
  ASSERT_TRUE(readers[0].KillAndReap());
  ASSERT_TRUE(readers[2].KillAndReap());
  std::unique_ptr<Producer> producer;
  ASSERT_TRUE(
      ::evbus::testutil::AssignTo(&producer, Producer::Attach(segment_.get(), "writer")).ok());
  std::uint64_t id = 0;
  for (std::uint64_t i = 0; i < 20; ++i) {
    ASSERT_TRUE(producer->Publish({}, "wake", 5 * kSecond, &id).ok());
    std::string line;
    ASSERT_TRUE(readers[1].ReadLine(&line, 10s)) << "the live reader was not woken for " << i;
    EXPECT_EQ("record " + std::to_string(id), line);
  }
  // Only the live reader is registered once it sleeps again.
  EXPECT_TRUE(Eventually([&] { return Waiters() == 1; })) << Waiters() << " registered";
}

TEST_F(DeadWaiterTest, ASlotTakenOverFromADeadWaiterStopsTheWakes) {
  {
    ChildProcess reader;
    ASSERT_TRUE(StartReader(&reader, "tail"));
    ASSERT_TRUE(Eventually([&] { return Waiters() == 1; })) << "reader never slept";
    ASSERT_TRUE(reader.KillAndReap());
  }
  // The new subscriber takes the dead reader's slot and never waits.
  std::unique_ptr<Subscriber> sub;
  SubscriberOptions so;
  so.name = "poller";
  ASSERT_TRUE(::evbus::testutil::AssignTo(&sub, Subscriber::Attach(segment_.get(), so)).ok());
  std::unique_ptr<Producer> producer;
  ASSERT_TRUE(
      ::evbus::testutil::AssignTo(&producer, Producer::Attach(segment_.get(), "writer")).ok());
  const std::uint64_t before = WakeCalls();
  Publish(producer.get(), 100);
  EXPECT_LE(WakeCalls() - before, 1u) << "every commit still woke the dead reader";
  EXPECT_EQ(0u, Waiters());
}

TEST_F(DeadWaiterTest, KilledBackPressuredProducerNoLongerCostsTheDurableReaderAWake) {
  SubscriberOptions so;
  so.name = "persister";
  so.durable = true;
  so.wake_batch = 1;  // a wake-up check after every read
  std::unique_ptr<Subscriber> sub;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&sub, Subscriber::Attach(segment_.get(), so)).ok());
  ChildProcess writer;
  ASSERT_TRUE(writer.Start({HelperPath("ring_producer_proc"), name_.stream, "0", "0"}));
  std::string line;
  ASSERT_TRUE(writer.ReadLine(&line, 10s));
  // It fills the ring and sleeps, back-pressured by the durable reader.
  ASSERT_TRUE(Eventually([&] { return segment_->wait_word()->producer_waiters.load() != 0; }))
      << "the producer never slept";
  ASSERT_TRUE(writer.KillAndReap());
  const std::uint64_t before = WakeCalls();
  Record rec;
  int reads = 0;
  while (sub->TryRead(&rec) != ReadStatus::kEmpty) ++reads;
  EXPECT_GE(reads, 1000);
  EXPECT_LE(WakeCalls() - before, 1u) << "every read still woke the dead producer";
}

}  // namespace
}  // namespace evbus::shm
