// Bridge out's own acknowledgement deadline (it publishes without nats.c's
// per-message MaxWait): against a real nats-server stopped with SIGSTOP
// while bridge out publishes, the publishes whose acknowledgement is overdue
// are taken back and resent, and once the server goes on, JetStream holds
// every id exactly once.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "bridge/bridge_out.h"
#include "shm/producer.h"
#include "tests/bridge/bridge_checks.h"

namespace evbus::bridge::testing {
namespace {

constexpr int kEvents = 100;

class BridgeAckWaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<NatsCluster>(1);
    StreamSpec spec;
    spec.name = "EVBUS";
    spec.subject_prefix = "evbus";
    spec.create = true;
    ASSERT_TRUE(server_->WaitReady(spec, NatsConfig{}, std::chrono::seconds(30)))
        << "nats-server did not start JetStream: " << server_->failure();
    stream_ = "baw" + std::to_string(::getpid());
    (void)shm::Segment::Remove(stream_, "");
    auto segment = shm::Segment::Create(stream_, "", shm::SegmentOptions{});
    ASSERT_TRUE(segment.ok()) << segment.status().message();
    auto producer = shm::Producer::Attach(segment->get(), "ackwait");
    ASSERT_TRUE(producer.ok()) << producer.status().message();
    for (int i = 0; i < kEvents; ++i) {
      shm::RecordMeta meta;
      meta.timestamp_ns = 1000 + i;
      std::uint64_t id = 0;
      ASSERT_TRUE((*producer)->Publish(meta, "{\"i\":" + std::to_string(i) + "}", -1, &id).ok());
    }
  }
  void TearDown() override {
    if (server_) server_->Signal(0, SIGCONT);
    (void)shm::Segment::Remove(stream_, "");
    std::remove(BridgeStatusPath(stream_, "", "out").c_str());
  }

  bool Logged(const std::string& text) {
    std::lock_guard<std::mutex> lock(mu_);
    return log_.find(text) != std::string::npos;
  }

  std::unique_ptr<NatsCluster> server_;
  std::string stream_;
  std::mutex mu_;
  std::string log_;
};

// Waits up to `limit` for `done`.
template <typename F>
bool WaitFor(F done, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST_F(BridgeAckWaitTest, OverduePublishesAreResentAndStoredOnce) {
  std::atomic<bool> stop{false};
  BridgeOutOptions o;
  o.nats.url = server_->Urls();
  o.nats.api_wait_ms = 300;
  o.stream.name = "EVBUS";
  o.stream.subject_prefix = "evbus";
  o.session_id = stream_;
  o.stop = [&stop] { return stop.load(); };
  o.log = [this](const std::string& line) {
    std::lock_guard<std::mutex> lock(mu_);
    log_ += line + "\n";
  };
  auto out = BridgeOut::Start(o);
  ASSERT_TRUE(out.ok()) << out.status().message();
  server_->Signal(0, SIGSTOP);  // no acknowledgement until SIGCONT
  std::thread runner([&] { EXPECT_TRUE((*out)->Run().ok()); });
  const bool resent = WaitFor([&] { return Logged("(no acknowledgement within 300 ms)"); },
                              std::chrono::seconds(20));
  server_->Signal(0, SIGCONT);
  const bool acked =
      WaitFor([&] { return (*out)->acknowledged_id() == kEvents - 1; }, std::chrono::seconds(30));
  stop = true;
  runner.join();
  EXPECT_TRUE(resent) << log_;
  EXPECT_TRUE(acked) << "acknowledged through " << (*out)->acknowledged_id() << "\n" << log_;
  std::vector<std::uint64_t> ids = JetStreamIds(server_->Urls(), SubjectFor("evbus", "", stream_));
  ASSERT_EQ(ids.size(), static_cast<std::size_t>(kEvents)) << log_;
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(ids[static_cast<std::size_t>(i)], i);
}

}  // namespace
}  // namespace evbus::bridge::testing
