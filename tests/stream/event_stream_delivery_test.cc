// Delivery through EventStream: per-callback order and isolation, failures,
// full queues (catch-up and drop), history replay into live delivery,
// subscription bookkeeping, and what Close leaves behind. Every test runs
// with the shared dispatcher and with direct dispatch (one ring reader per
// callback).
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "persist/store.h"
#include "shm/stats.h"
#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

using testing::NullObservation;
using testing::WaitFor;

// Records the ids a callback saw, thread-safely.
class Recorder {
 public:
  EventCallback Callback() {
    return [this](const Event& e) {
      std::lock_guard<std::mutex> lock(mu_);
      ids_.push_back(e.id);
    };
  }
  // Records only once *go holds: until then the callback is stuck (a slow
  // subscriber), yielding its core.
  EventCallback GatedCallback(const std::atomic<bool>* go) {
    return [this, go, record = Callback()](const Event& e) {
      while (!go->load()) std::this_thread::yield();
      record(e);
    };
  }
  std::vector<std::int64_t> ids() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ids_;
  }
  std::size_t size() const { return ids().size(); }

 private:
  mutable std::mutex mu_;
  std::vector<std::int64_t> ids_;
};

std::vector<std::int64_t> Range(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> out;
  for (std::int64_t i = first; i <= last; ++i) out.push_back(i);
  return out;
}

class EventStreamDeliveryTest : public ::testing::TestWithParam<CallbackDispatch> {
 protected:
  void SetUp() override { sid_ = testing::UniqueSession("dl"); }
  void TearDown() override {
    if (stream_) (void)stream_->Close();
    stream_.reset();
    testing::DestroyStream(sid_);
  }
  bool direct() const { return GetParam() == CallbackDispatch::kDirect; }
  EventStream* Open(EventStreamOptions options = {}) {
    options.store_root = root_.path();
    options.callback_dispatch = GetParam();
    options.log = [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.push_back(line);
    };
    auto s = EventStream::Open(sid_, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    stream_ = std::move(*s);
    return stream_.get();
  }
  void AddMany(int n) {
    for (int i = 0; i < n; ++i) {
      Event e = NullObservation("event " + std::to_string(i));
      ASSERT_TRUE(stream_->AddEvent(&e, Source::kAgent).ok());
    }
  }
  std::vector<std::string> Log() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return log_;
  }

  testing::TempDir root_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
  std::mutex log_mu_;
  std::vector<std::string> log_;
};

TEST_P(EventStreamDeliveryTest, RefusesToReAddAnEventThatHasAnId) {
  Open();
  Event e = NullObservation("once");
  auto first = stream_->AddEvent(&e, Source::kAgent);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(e.id, *first);
  auto again = stream_->AddEvent(&e, Source::kAgent);
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsInvalidArgument());
  EXPECT_NE(again.status().message().find("Event already has an ID:0"), std::string::npos);
  EXPECT_EQ(stream_->GetLatestEventId(), 0);
}

TEST_P(EventStreamDeliveryTest, DuplicateSubscriptionIsAnErrorAndUnknownUnsubscribeIsLogged) {
  Open();
  Recorder r;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kServer, r.Callback(), "cb").ok());
  Status dup = stream_->Subscribe(SubscriberId::kServer, r.Callback(), "cb");
  EXPECT_EQ(dup.code(), Status::Code::kAlreadyExists);
  EXPECT_NE(dup.message().find("Callback ID on subscriber server already exists: cb"),
            std::string::npos);
  EXPECT_TRUE(stream_->Subscribe(SubscriberId::kRuntime, r.Callback(), "cb").ok());
  stream_->Unsubscribe(SubscriberId::kMemory, "nope");
  ASSERT_EQ(Log().size(), 1u);
  EXPECT_NE(Log()[0].find("no callback 'nope' for subscriber memory"), std::string::npos);
}

TEST_P(EventStreamDeliveryTest, EveryCallbackSeesEveryEventInIdOrder) {
  Open();
  Recorder a, b, c;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kAgentController, a.Callback(), "a").ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kServer, b.Callback(), "b").ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kRuntime, c.Callback(), "c").ok());
  AddMany(500);
  ASSERT_TRUE(WaitFor([&] { return a.size() == 500 && b.size() == 500 && c.size() == 500; }));
  EXPECT_EQ(a.ids(), Range(0, 499));
  EXPECT_EQ(b.ids(), Range(0, 499));
  EXPECT_EQ(c.ids(), Range(0, 499));
}

TEST_P(EventStreamDeliveryTest, ThrowingCallbackIsLoggedCountedAndKeepsReceiving) {
  Open();
  Recorder seen;
  auto record = seen.Callback();
  ASSERT_TRUE(stream_
                  ->Subscribe(
                      SubscriberId::kTest,
                      [&](const Event& e) {
                        record(e);
                        if (e.id % 2 == 0) throw std::runtime_error("boom");
                      },
                      "thrower")
                  .ok());
  AddMany(10);
  ASSERT_TRUE(WaitFor([&] { return seen.size() == 10; }));
  EXPECT_EQ(seen.ids(), Range(0, 9));
  ASSERT_TRUE(WaitFor([&] { return stream_->Snapshot().callbacks[0].failures == 5; }));
  int logged = 0;
  for (const auto& line : Log()) {
    logged += line == "Error in event callback thrower for subscriber test: boom";
  }
  EXPECT_EQ(logged, 5);
}

TEST_P(EventStreamDeliveryTest, BlockedCallbackDelaysNeitherOthersNorProducers) {
  EventStreamOptions options;
  options.callback_queue_size = 8;  // the blocked one overflows into catch-up at once
  Open(options);
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
  Recorder blocked, fast1, fast2;
  auto record_blocked = blocked.Callback();
  ASSERT_TRUE(stream_
                  ->Subscribe(
                      SubscriberId::kMemory,
                      [&](const Event& e) {
                        std::unique_lock<std::mutex> lock(mu);
                        cv.wait(lock, [&] { return released; });
                        record_blocked(e);
                      },
                      "blocked")
                  .ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kServer, fast1.Callback(), "fast1").ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kRuntime, fast2.Callback(), "fast2").ok());
  AddMany(300);  // returns although one callback is stuck on its first event
  ASSERT_TRUE(WaitFor([&] { return fast1.size() == 300 && fast2.size() == 300; }));
  EXPECT_EQ(fast1.ids(), Range(0, 299));
  EXPECT_EQ(fast2.ids(), Range(0, 299));
  EXPECT_EQ(blocked.size(), 0u);
  // The shared dispatcher finds the queue full at once; a direct reader
  // notices its lag when the callback returns.
  if (!direct()) {
    EXPECT_GT(stream_->Snapshot().callbacks[0].queue_full, 0u);
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
  }
  cv.notify_all();
  ASSERT_TRUE(WaitFor([&] { return blocked.size() == 300; }));
  EXPECT_EQ(blocked.ids(), Range(0, 299));  // nothing lost, nothing twice
  const CallbackSnapshot c = stream_->Snapshot().callbacks[0];
  EXPECT_GT(c.queue_full, 0u);
  // Shared: the overflow is read back from history; direct: the ring still
  // holds it and the reader simply reads on.
  if (!direct()) {
    EXPECT_GT(c.caught_up, 0u);
  }
  EXPECT_EQ(c.lost + c.dropped, 0u);
}

TEST_P(EventStreamDeliveryTest, DropPolicyCountsWhatASlowCallbackMissed) {
  EventStreamOptions options;
  options.callback_queue_size = 4;
  options.full_queue_policy = FullQueuePolicy::kDrop;
  Open(options);
  std::atomic<bool> go{false};
  Recorder slow;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kTest, slow.GatedCallback(&go), "slow").ok());
  AddMany(100);
  if (direct()) {
    // The reader is stuck in the callback until `go`; then everything more
    // than 4 events behind the head is skipped.
    go = true;
    ASSERT_TRUE(
        WaitFor([&] { return slow.size() + stream_->Snapshot().callbacks[0].dropped == 100; }));
  } else {
    ASSERT_TRUE(WaitFor([&] {
      const CallbackSnapshot c = stream_->Snapshot().callbacks[0];
      return c.dropped + c.queue_depth + 1 >= 100;  // one may be in the callback
    }));
    go = true;
  }
  ASSERT_TRUE(WaitFor([&] { return stream_->Snapshot().callbacks[0].queue_depth == 0; }));
  const CallbackSnapshot c = stream_->Snapshot().callbacks[0];
  ASSERT_TRUE(WaitFor([&] { return slow.size() == 100 - c.dropped; }));
  EXPECT_GT(c.dropped, 0u);
  const auto ids = slow.ids();
  for (std::size_t i = 1; i < ids.size(); ++i) EXPECT_LT(ids[i - 1], ids[i]);
}

TEST_P(EventStreamDeliveryTest, SubscriptionFromThePastReplaysStoreThenRingThenLive) {
  EventStreamOptions options;
  options.capacity = 64u << 10;  // the ring keeps only the newest events
  options.max_event_size = 4096;
  options.index_slots = 32;
  Open(options);
  auto persister = testing::PersisterThread::Start(root_.path(), sid_, 7);
  ASSERT_NE(persister, nullptr);
  AddMany(200);  // pages of 7: the replay crosses many page boundaries
  ASSERT_TRUE(WaitFor([&] {
    auto st = persist::Store::Open(root_.path(), sid_);
    return st.ok() && (*st)->GetLatestEventId() == 199;
  }));
  Recorder r;
  ASSERT_TRUE(stream_->SubscribeFrom(SubscriberId::kServer, r.Callback(), "replay", 3).ok());
  AddMany(50);  // live while the replay runs
  ASSERT_TRUE(WaitFor([&] { return r.size() == 247; }));
  EXPECT_EQ(r.ids(), Range(3, 249));
  EXPECT_EQ(stream_->Snapshot().callbacks[0].lost, 0u);
}

TEST_P(EventStreamDeliveryTest, CloseDeliversPendingEventsAndLeaksNoThreadOrDescriptor) {
  const int threads_before = testing::CountEntries("/proc/self/task");
  const int fds_before = testing::CountEntries("/proc/self/fd");
  Open();
  Recorder a, b;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kMain, a.Callback(), "a").ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kResolver, b.Callback(), "b").ok());
  std::thread producer([&] { AddMany(100); });
  producer.join();
  EXPECT_GT(testing::CountEntries("/proc/self/task"), threads_before);
  ASSERT_TRUE(stream_->Close().ok());
  EXPECT_EQ(a.ids(), Range(0, 99));  // pending deliveries finished
  EXPECT_EQ(b.ids(), Range(0, 99));
  EXPECT_EQ(testing::CountEntries("/proc/self/task"), threads_before);
  EXPECT_EQ(testing::CountEntries("/proc/self/fd"), fds_before);
  Event late = NullObservation("late");
  EXPECT_EQ(stream_->AddEvent(&late, Source::kAgent).status().code(), Status::Code::kUnavailable);
  EXPECT_TRUE(stream_->Close().ok());  // idempotent
}

TEST_P(EventStreamDeliveryTest, ManyThreadsAddConcurrentlyWithDenseIds) {
  Open();
  Recorder r;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kTest, r.Callback(), "all").ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([&] { AddMany(250); });
  for (auto& t : threads) t.join();
  ASSERT_TRUE(WaitFor([&] { return r.size() == 1000; }));
  EXPECT_EQ(r.ids(), Range(0, 999));
  EXPECT_EQ(stream_->Snapshot().events_added, 1000u);
}

TEST_P(EventStreamDeliveryTest, SessionExistsWhenTheConversationDirectoryDoes) {
  EXPECT_FALSE(EventStream::SessionExists(sid_, root_.path()));
  EventStreamOptions no_create;
  no_create.store_root = root_.path();
  no_create.create_if_missing = false;
  auto missing = EventStream::Open(sid_, no_create);
  ASSERT_FALSE(missing.ok());
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_FALSE(EventStream::SessionExists(sid_, root_.path()));
  Open();
  EXPECT_TRUE(EventStream::SessionExists(sid_, root_.path()));
  EXPECT_FALSE(EventStream::SessionExists(sid_, root_.path(), "someone"));
  EXPECT_FALSE(EventStream::SessionExists("../etc", root_.path()));
}

TEST_P(EventStreamDeliveryTest, UserStreamsAreSeparateFromSessionStreams) {
  EventStreamOptions options;
  options.store_root = root_.path();
  options.user_id = "u1";
  options.log = [](const std::string&) {};
  auto user_stream = EventStream::Open(sid_, options);
  ASSERT_TRUE(user_stream.ok()) << user_stream.status().ToString();
  ASSERT_TRUE((*user_stream)->SetSecrets({{"k", "user-only-secret"}}).ok());
  Event e = NullObservation("user-only-secret");
  ASSERT_TRUE((*user_stream)->AddEvent(&e, Source::kUser).ok());
  EXPECT_EQ((*user_stream)->GetEvent(0)->content, "<secret_hidden>");
  EXPECT_TRUE(EventStream::SessionExists(sid_, root_.path(), "u1"));
  EXPECT_FALSE(EventStream::SessionExists(sid_, root_.path()));
  Open();  // the same session id without a user: another stream
  EXPECT_EQ(stream_->GetLatestEventId(), -1);
  Event plain = NullObservation("user-only-secret");
  ASSERT_TRUE(stream_->AddEvent(&plain, Source::kUser).ok());
  EXPECT_EQ(stream_->GetEvent(0)->content, "user-only-secret");
  ASSERT_TRUE((*user_stream)->Close().ok());
  (void)shm::Segment::Remove(sid_, "u1");
  EXPECT_TRUE(SharedSecrets::Remove(sid_, "u1").ok());
}

TEST_P(EventStreamDeliveryTest, MetricsFileHoldsPerCallbackFigures) {
  Open();
  Recorder r;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kServer, r.Callback(), "m").ok());
  AddMany(20);
  ASSERT_TRUE(WaitFor([&] { return r.size() == 20; }));
  const std::string path = root_.path() + "/metrics.json";
  ASSERT_TRUE(stream_->WriteMetricsFile(path).ok());
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[4096];
    text.assign(buf, std::fread(buf, 1, sizeof(buf), f));
    std::fclose(f);
  }
  EXPECT_NE(text.find("\"subscriber_id\":\"server\",\"callback_id\":\"m\",\"delivered\":20"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\"events_added\":20"), std::string::npos);
}

TEST_P(EventStreamDeliveryTest, CallbackLappedByTheRingCatchesUpFromTheStoreExactlyOnce) {
  EventStreamOptions options;
  options.capacity = 64u << 10;  // the ring keeps only the newest events
  options.max_event_size = 4096;
  options.index_slots = 32;
  options.callback_queue_size = 8;  // shared: the queue overflows into catch-up too
  Open(options);
  auto persister = testing::PersisterThread::Start(root_.path(), sid_, 16);
  ASSERT_NE(persister, nullptr);
  std::atomic<bool> go{false};
  Recorder lapped, fast;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kMemory, lapped.GatedCallback(&go), "lapped").ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kServer, fast.Callback(), "fast").ok());
  AddMany(400);  // 12 laps of a 32-slot ring while "lapped" is stuck on its first event
  ASSERT_TRUE(WaitFor([&] { return fast.size() == 400; }));
  go = true;
  ASSERT_TRUE(WaitFor([&] { return lapped.size() == 400; }));
  EXPECT_EQ(lapped.ids(), Range(0, 399));
  EXPECT_EQ(fast.ids(), Range(0, 399));
  const CallbackSnapshot c = stream_->Snapshot().callbacks[0];
  EXPECT_GT(c.caught_up, 0u);
  EXPECT_EQ(c.lost, 0u);
}

TEST_P(EventStreamDeliveryTest, DirectDispatchGivesEachCallbackARingReaderOfItsOwn) {
  Open();
  Recorder a, b;
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kServer, a.Callback(), "a").ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kRuntime, b.Callback(), "b").ok());
  AddMany(3);
  ASSERT_TRUE(WaitFor([&] { return a.size() == 3 && b.size() == 3; }));
  auto readers = [&](const std::string& prefix) {
    int n = 0;
    for (const auto& sub : shm::Snapshot(stream_->segment()).subscribers) {
      n += sub.name.rfind(prefix + std::to_string(::getpid()), 0) == 0;
    }
    return n;
  };
  EXPECT_EQ(readers("cb."), direct() ? 2 : 0);
  EXPECT_EQ(readers("dispatch."), direct() ? 0 : 1);
  stream_->Unsubscribe(SubscriberId::kServer, "a");
  EXPECT_EQ(readers("cb."), direct() ? 1 : 0);  // the slot is freed with the callback
  AddMany(2);
  ASSERT_TRUE(WaitFor([&] { return b.size() == 5; }));
  EXPECT_EQ(a.ids(), Range(0, 2));
  EXPECT_EQ(b.ids(), Range(0, 4));
}

TEST_P(EventStreamDeliveryTest, CallbackAddedFromInsideACallbackSeesOnlyLaterEvents) {
  Open();
  Recorder outer, inner;
  std::atomic<int> calls{0};
  std::atomic<bool> subscribed{false};
  auto record_outer = outer.Callback();
  ASSERT_TRUE(
      stream_
          ->Subscribe(
              SubscriberId::kTest,
              [&](const Event& e) {
                record_outer(e);
                if (calls.fetch_add(1) == 0) {
                  EXPECT_TRUE(
                      stream_->Subscribe(SubscriberId::kTest, inner.Callback(), "inner").ok());
                  subscribed = true;
                }
              },
              "outer")
          .ok());
  AddMany(1);
  ASSERT_TRUE(WaitFor([&] { return subscribed.load(); }));
  AddMany(2);
  ASSERT_TRUE(WaitFor([&] { return outer.size() == 3 && inner.size() == 2; }));
  EXPECT_EQ(inner.ids(), Range(1, 2));
}

// A callback that unsubscribes itself while it is still catching up on
// history gets what was committed before it unsubscribed, and nothing
// committed after. (Before: its worker kept catching up from the ring and
// delivered the later events too; with direct dispatch it stopped at once
// and dropped the earlier ones.)
TEST_P(EventStreamDeliveryTest, SelfUnsubscribeWhileCatchingUpStopsAtWhatWasCommittedBefore) {
  Open();
  AddMany(3);  // ids 0..2: the history the callback replays from id 0
  std::atomic<bool> unsubscribed{false};
  std::atomic<bool> more_added{false};
  Recorder seen;
  Recorder all;
  auto record = seen.Callback();
  EventCallback once = [&](const Event& e) {
    record(e);
    if (e.id != 0) return;
    stream_->Unsubscribe(SubscriberId::kTest, "once");  // head is 3 now
    unsubscribed = true;
    // Hold the worker until more events are committed behind it.
    EXPECT_TRUE(WaitFor([&] { return more_added.load(); }));
  };
  ASSERT_TRUE(stream_->SubscribeFrom(SubscriberId::kTest, once, "once", 0).ok());
  ASSERT_TRUE(WaitFor([&] { return unsubscribed.load(); }));
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kMain, all.Callback(), "all").ok());
  AddMany(5);  // ids 3..7, committed after the unsubscribe
  more_added = true;
  ASSERT_TRUE(WaitFor([&] { return all.size() == 5; }));
  ASSERT_TRUE(stream_->Close().ok());  // joins the retired worker
  EXPECT_EQ(seen.ids(), Range(0, 2));
}

INSTANTIATE_TEST_SUITE_P(Dispatch, EventStreamDeliveryTest,
                         ::testing::Values(CallbackDispatch::kShared, CallbackDispatch::kDirect),
                         [](const ::testing::TestParamInfo<CallbackDispatch>& info) {
                           return info.param == CallbackDispatch::kDirect ? "Direct" : "Shared";
                         });

}  // namespace
}  // namespace evbus
