// No C++ exception escapes the EventStream API: a thread the system cannot
// give (std::thread throws std::system_error) turns Subscribe into a Busy
// Status and leaves nothing of that subscription behind; a log function or a
// callback that throws stays inside the stream. Every test runs with the
// shared dispatcher and with direct dispatch.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "shm/stats.h"
#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

using testing::NullObservation;
using testing::WaitFor;

class EventStreamNoThrowTest : public ::testing::TestWithParam<CallbackDispatch> {
 protected:
  void SetUp() override { sid_ = testing::UniqueSession("nt"); }
  void TearDown() override {
    if (stream_) (void)stream_->Close();
    stream_.reset();
    testing::DestroyStream(sid_);
  }
  bool direct() const { return GetParam() == CallbackDispatch::kDirect; }

  // Opens with a thread factory that throws as std::thread does when the
  // process is at its thread limit, for the next `fail_threads_` threads.
  void Open(std::function<void(const std::string&)> log = {}) {
    EventStreamOptions options;
    options.store_root = root_.path();
    options.callback_dispatch = GetParam();
    options.log = log ? std::move(log) : [](const std::string&) {};
    options.thread_factory = [this](std::function<void()> body) {
      started_.fetch_add(1);
      if (fail_threads_.load() > 0) {
        fail_threads_.fetch_sub(1);
        throw std::system_error(EAGAIN, std::generic_category(), "pthread_create");
      }
      return std::thread(std::move(body));
    };
    auto s = EventStream::Open(sid_, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stream_ = std::move(*s);
  }
  void Add(int n) {
    for (int i = 0; i < n; ++i) {
      Event e = NullObservation("event " + std::to_string(i));
      ASSERT_TRUE(stream_->AddEvent(&e, Source::kAgent).ok());
    }
  }
  // Ring readers registered in the segment (the dispatcher's, direct workers').
  std::size_t RingReaders() const { return shm::Snapshot(stream_->segment()).subscribers.size(); }

  testing::TempDir root_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
  std::atomic<int> fail_threads_{0};
  std::atomic<int> started_{0};
};

// Counts the events a callback saw.
EventCallback Counter(std::atomic<int>* n) {
  return [n](const Event&) { n->fetch_add(1); };
}

TEST_P(EventStreamNoThrowTest, SubscribeReportsAThreadThatCannotStartAndLeavesNothingBehind) {
  Open();
  // The first subscription needs two threads (shared: the dispatcher, then
  // the worker; direct: the worker only). Fail each of them in turn.
  const int threads_needed = direct() ? 1 : 2;
  for (int fail_at = 0; fail_at < threads_needed; ++fail_at) {
    SCOPED_TRACE("thread " + std::to_string(fail_at) + " fails");
    started_ = 0;
    fail_threads_ = 0;
    std::atomic<int> seen{0};
    // Let `fail_at` threads start, then fail the next one.
    auto callback = Counter(&seen);
    if (fail_at > 0) {
      ASSERT_TRUE(stream_->Subscribe(SubscriberId::kMain, Counter(&seen), "starter").ok());
      stream_->Unsubscribe(SubscriberId::kMain, "starter");
    }
    const std::size_t readers_before = RingReaders();
    fail_threads_ = 1;
    Status s = Status::OK();
    EXPECT_NO_THROW(s = stream_->Subscribe(SubscriberId::kTest, callback, "cb"));
    EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
    EXPECT_NE(s.message().find("thread"), std::string::npos) << s.message();
    EXPECT_TRUE(stream_->Snapshot().callbacks.empty()) << "no half-registered callback";
    EXPECT_EQ(RingReaders(), readers_before) << "no ring reader (dispatcher's, worker's) is left";
    // The same subscription succeeds once threads are available again.
    ASSERT_TRUE(stream_->Subscribe(SubscriberId::kTest, callback, "cb").ok());
    Add(3);
    EXPECT_TRUE(WaitFor([&] { return seen.load() == 3; })) << seen.load();
    stream_->Unsubscribe(SubscriberId::kTest, "cb");
  }
}

TEST_P(EventStreamNoThrowTest, ASecondCallbackWhoseThreadCannotStartLeavesTheFirstDelivering) {
  Open();
  std::atomic<int> first{0}, second{0};
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kMain, Counter(&first), "first").ok());
  fail_threads_ = 1;
  Status s = Status::OK();
  EXPECT_NO_THROW(s = stream_->Subscribe(SubscriberId::kTest, Counter(&second), "second"));
  EXPECT_EQ(s.code(), Status::Code::kBusy) << s.ToString();
  EXPECT_EQ(stream_->Snapshot().callbacks.size(), 1u);
  Add(5);
  EXPECT_TRUE(WaitFor([&] { return first.load() == 5; }));
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kTest, Counter(&second), "second").ok());
  Add(2);
  EXPECT_TRUE(WaitFor([&] { return first.load() == 7 && second.load() == 2; }));
  EXPECT_TRUE(stream_->Close().ok());
}

TEST_P(EventStreamNoThrowTest, ALogFunctionThatThrowsDoesNotEscape) {
  std::atomic<int> log_calls{0};
  Open([&](const std::string&) {
    log_calls.fetch_add(1);
    throw std::runtime_error("log sink is down");
  });
  // On the caller's thread: an unknown unsubscribe is logged.
  EXPECT_NO_THROW(stream_->Unsubscribe(SubscriberId::kTest, "nobody"));
  EXPECT_EQ(log_calls.load(), 1);
  // On a worker thread: a failing callback is logged (an escape there would
  // end the process).
  std::atomic<int> calls{0};
  ASSERT_TRUE(stream_
                  ->Subscribe(
                      SubscriberId::kTest,
                      [&](const Event&) {
                        calls.fetch_add(1);
                        throw std::runtime_error("callback failed");
                      },
                      "thrower")
                  .ok());
  Add(2);
  EXPECT_TRUE(WaitFor([&] { return stream_->Snapshot().callbacks[0].failures == 2; }));
  EXPECT_EQ(calls.load(), 2);
  // The failure is counted before it is logged: wait for the second line.
  EXPECT_TRUE(WaitFor([&] { return log_calls.load() == 3; })) << log_calls.load();
  EXPECT_TRUE(stream_->Close().ok());
}

TEST_P(EventStreamNoThrowTest, SubscribeRefusesAnEmptyCallback) {
  Open();
  const Status s = stream_->Subscribe(SubscriberId::kTest, EventCallback{}, "empty");
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(stream_->Snapshot().callbacks.empty());
  EXPECT_EQ(started_.load(), 0) << "no thread started for a refused subscription";
}

INSTANTIATE_TEST_SUITE_P(Dispatch, EventStreamNoThrowTest,
                         ::testing::Values(CallbackDispatch::kShared, CallbackDispatch::kDirect),
                         [](const ::testing::TestParamInfo<CallbackDispatch>& info) {
                           return info.param == CallbackDispatch::kDirect ? "Direct" : "Shared";
                         });

}  // namespace
}  // namespace evbus
