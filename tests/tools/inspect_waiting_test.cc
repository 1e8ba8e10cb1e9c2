// `evbus inspect` shows who sleeps on the ring and how many futex wake calls
// were made: a live waiting reader process and one killed with SIGKILL in
// its sleep, then one commit (one wake call, the dead reader's registration
// cleared), checked in the JSON, Prometheus and text outputs.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <string>
#include <thread>

#include "shm/stats.h"
#include "shm/wait.h"
#include "tests/testutil/assign_to.h"
#include "tests/testutil/child_process.h"
#include "tests/tools/exposition_checker.h"
#include "tests/tools/inspect_fixture.h"

namespace evbus::inspect_test {
namespace {

using namespace std::chrono_literals;

class InspectWaitingTest : public InspectTest {
 protected:
  bool StartReader(testutil::ChildProcess* child, const std::string& name) {
    const std::string proc = std::string(EVBUS_BINARY_DIR) + "/waiting_reader_proc";
    if (!child->Start({proc, stream_, name})) return false;
    std::string line;
    return child->ReadLine(&line, 10s) && line.rfind("ready ", 0) == 0;
  }
  template <typename Cond>
  static bool Eventually(Cond cond) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (cond()) return true;
      std::this_thread::yield();
    }
    return false;
  }
  std::uint32_t Waiters() const { return shm::Snapshot(*segment_).waiters; }

  // One live sleeping reader, one killed asleep, then one commit.
  void MakeSleepers() {
    ASSERT_TRUE(StartReader(&live_, "live"));
    ASSERT_TRUE(StartReader(&dead_, "dead"));
    ASSERT_TRUE(Eventually([&] { return Waiters() == 2; })) << "readers never slept";
    ASSERT_TRUE(dead_.KillAndReap());
    ASSERT_EQ(2u, Waiters()) << "nothing has cleared the dead reader yet";
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "agent"))
            .ok());
    std::uint64_t id = 0;
    ASSERT_TRUE(producer_->Publish({}, "wake", 5'000'000'000, &id).ok());
    std::string line;
    ASSERT_TRUE(live_.ReadLine(&line, 10s));
    ASSERT_EQ("record 0", line);
    ASSERT_TRUE(Eventually([&] { return Waiters() == 1; })) << "the live reader is not asleep";
  }

  testutil::ChildProcess live_, dead_;
};

TEST_F(InspectWaitingTest, JsonAndPrometheusShowSleepersAndWakeCalls) {
  ASSERT_NO_FATAL_FAILURE(MakeSleepers());
  Output r = Run({"inspect", stream_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_EQ(Member(d, "waiters").GetUint(), 1u) << r.out;
  EXPECT_EQ(Member(d, "producer_waiters").GetUint(), 0u);
  EXPECT_EQ(Member(d, "wake_calls").GetUint64(), 1u) << "one commit while readers slept";
  EXPECT_EQ(Member(d, "dead_waiters_cleared").GetUint64(), 1u);

  r = Run({"inspect", stream_, "--prometheus"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testutil::Exposition x = testutil::CheckExposition(r.out);
  for (const std::string& problem : x.problems) ADD_FAILURE() << problem;
  const std::string labels = "{stream=\"" + stream_ + "\",user=\"\"}";
  EXPECT_EQ(x.samples["evbus_ring_sleeping_subscribers" + labels], 1) << r.out;
  EXPECT_EQ(x.samples["evbus_ring_sleeping_producers" + labels], 0);
  EXPECT_EQ(x.samples["evbus_ring_futex_wake_calls_total" + labels], 1);
  EXPECT_EQ(x.samples["evbus_ring_dead_sleepers_cleared_total" + labels], 1);
  EXPECT_EQ(x.types["evbus_ring_futex_wake_calls_total"], "counter");
  EXPECT_EQ(x.types["evbus_ring_sleeping_subscribers"], "gauge");
}

TEST_F(InspectWaitingTest, TextShowsSleepersAndWakeCalls) {
  ASSERT_NO_FATAL_FAILURE(MakeSleepers());
  Output r = Run({"inspect", stream_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("asleep 1 subscribers, 0 producers; 1 futex wake calls, 1 dead sleepers "
                       "cleared\n"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace evbus::inspect_test
