// The bridges populate their ring's first lap in their own process ahead of
// their reads (bridge out) and writes (bridge in), so that the thread that
// forwards events does not take the first-touch page faults of the ring
// (shm/ring_prefault.h says what one costs on a virtual machine): started
// when they start, noted after each read or write (the populated bytes
// follow the tail), stopped before the segment is unmapped. Page faults of
// the forwarding thread are not what is checked: nats.c's allocations take
// more than the ring's reads do (a read fault maps 16 pages of shared memory
// at once), so the count cannot tell the wiring apart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "bridge/bridge_in.h"
#include "bridge/bridge_out.h"
#include "shm/producer.h"
#include "shm/ring_prefault.h"
#include "tests/bridge/bridge_checks.h"
#include "tests/stream/stream_test_util.h"
#include "tests/testutil/assign_to.h"

namespace evbus::bridge::testing {
namespace {

using evbus::testing::WaitFor;

constexpr std::uint64_t kLap = 8u << 20;  // more than the test writes: the first lap only
constexpr std::uint64_t kEvents = 5000;   // 512 B records: about 2.4 MiB of ring
constexpr std::uint64_t kMore = 4000;     // published while bridge out runs

class BridgePrefaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new NatsCluster(1);
    StreamSpec spec;
    spec.create = true;
    ready_ = server_->WaitReady(spec, NatsConfig{}, std::chrono::seconds(30));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "nats-server did not start JetStream: " << server_->failure();
    // A stream name per test: JetStream keeps the subject of the last one.
    const std::string name = "bpf" + std::to_string(::getpid()) + "_" + std::to_string(++tests_);
    a_ = name + "_A";
    b_ = name + "_B";
    (void)shm::Segment::Remove(a_, "");
    (void)shm::Segment::Remove(b_, "");
    shm::SegmentOptions o;
    o.data_capacity = kLap;
    ASSERT_TRUE(shm::Segment::Create(a_, "", o).ok());
    ASSERT_TRUE(testutil::AssignTo(&segment_, shm::Segment::Open(a_, "")).ok());
    ASSERT_TRUE(testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "fill")).ok());
    Publish(kEvents);
  }
  void TearDown() override {
    producer_.reset();
    segment_.reset();
    (void)shm::Segment::Remove(a_, "");
    (void)shm::Segment::Remove(b_, "");
  }
  // Publishes n events of 512 B into A (through a mapping of the test's own:
  // the bridges' mappings are fresh).
  void Publish(std::uint64_t n) {
    const std::string body = "{\"message\":\"" + std::string(512 - 15, 'x') + "\"}";
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint64_t id = 0;
      const Status st = producer_->Publish(shm::RecordMeta{}, body, -1, &id);
      if (!st.ok()) {  // no ASSERT: a bridge thread may be running
        ADD_FAILURE() << st.message();
        return;
      }
      head_ = id + 1;
    }
  }
  std::uint64_t TailA() const { return shm::DataTailHint(*segment_); }
  NatsConfig Nats() const {
    NatsConfig c;
    c.url = server_->NodeUrl(0);
    return c;
  }
  BridgeOutOptions OutOptions() {
    BridgeOutOptions o;
    o.nats = Nats();
    o.session_id = a_;
    o.stop = [this] { return stop_.load(); };
    return o;
  }

  static NatsCluster* server_;
  static bool ready_;
  static inline int tests_ = 0;
  std::string a_, b_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<shm::Producer> producer_;
  std::uint64_t head_ = 0;
  std::atomic<bool> stop_{false};
};

NatsCluster* BridgePrefaultTest::server_ = nullptr;
bool BridgePrefaultTest::ready_ = false;

// Started by Start, over what the ring holds (a backlog the first reads
// would otherwise fault on), then noted after reads: it follows the tail.
TEST_F(BridgePrefaultTest, BridgeOutPopulatesTheBacklogAtStartAndFollowsTheTail) {
  auto out = BridgeOut::Start(OutOptions());
  ASSERT_TRUE(out.ok()) << out.status().message();
  ASSERT_TRUE(WaitFor([&] { return (*out)->prefaulted_through() >= TailA(); }))
      << "populated through " << (*out)->prefaulted_through() << ", tail " << TailA();
  std::thread runner([&] { EXPECT_TRUE((*out)->Run().ok()); });
  Publish(kMore);  // past what Start populated (the tail + RingPrefaulter::kAhead)
  const std::uint64_t tail = TailA();
  const bool all =
      WaitFor([&] { return (*out)->acknowledged_id() + 1 >= static_cast<std::int64_t>(head_); },
              std::chrono::seconds(60));
  const bool followed = WaitFor([&] { return (*out)->prefaulted_through() >= tail; });
  stop_ = true;
  runner.join();
  ASSERT_TRUE(all) << "acknowledged through " << (*out)->acknowledged_id() << " of " << head_;
  EXPECT_TRUE(followed) << "populated through " << (*out)->prefaulted_through() << ", tail "
                        << tail;
  EXPECT_FALSE((*out)->prefault_done()) << "less than a lap: it still follows";
}

TEST_F(BridgePrefaultTest, BridgeInKeepsItsLocalRingPopulatedAheadOfItsWrites) {
  auto out = BridgeOut::Start(OutOptions());
  ASSERT_TRUE(out.ok()) << out.status().message();
  BridgeInOptions io;
  io.nats = Nats();
  io.session_id = b_;
  io.origin_session_id = a_;
  io.segment.data_capacity = kLap;
  io.stop = [this] { return stop_.load(); };
  auto in = BridgeIn::Start(io);
  ASSERT_TRUE(in.ok()) << in.status().message();
  std::thread out_runner([&] { EXPECT_TRUE((*out)->Run().ok()); });
  std::thread in_runner([&] { EXPECT_TRUE((*in)->Run().ok()); });
  const bool all = WaitFor([&] { return (*in)->next_id() >= head_; }, std::chrono::seconds(60));
  stop_ = true;
  out_runner.join();
  in_runner.join();
  ASSERT_TRUE(all) << "bridge in at id " << (*in)->next_id() << " of " << head_;
  auto segment = shm::Segment::Open(b_, "");
  ASSERT_TRUE(segment.ok());
  const std::uint64_t tail = shm::DataTailHint(**segment);
  ASSERT_GT(tail, 2 * RingPrefaulter::kAhead) << "the writes went past what Start populated";
  // Noted after each write: the populated bytes followed the tail (the
  // prefaulter's thread lives until the bridge is destroyed).
  EXPECT_TRUE(WaitFor([&] { return (*in)->prefaulted_through() >= tail; }))
      << "populated through " << (*in)->prefaulted_through() << ", tail " << tail;
  EXPECT_FALSE((*in)->prefault_done()) << "less than a lap: it still follows";
}

}  // namespace
}  // namespace evbus::bridge::testing
