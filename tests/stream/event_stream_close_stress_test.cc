// Close racing every other EventStream call (docs/event_stream.md, "Close
// and many threads"). While threads add events, query, subscribe and
// unsubscribe, set secrets and take snapshots, and a callback queries the
// stream, one or two threads close it at a random moment. Every call gets a
// correct answer or Unavailable ("... is closed"), never a use of something
// Close has torn down; Close delivers every accepted event to the callback
// that was subscribed throughout; after Close returns every call is refused.
// Named *stress*: `make test-tsan` runs it under ThreadSanitizer too.
#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"

#if defined(__SANITIZE_THREAD__)
#define EVBUS_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EVBUS_UNDER_TSAN 1
#endif
#endif

namespace evbus {
namespace {

using testing::NullObservation;
using testing::WaitFor;

#ifdef EVBUS_UNDER_TSAN
constexpr int kRounds = 30;  // slower under TSan: keep the run to seconds
#else
constexpr int kRounds = 80;
#endif
constexpr int kMaxAddsPerThread = 300;  // well inside the ring: nothing is lapped

bool IsClosed(const Status& s) {
  return s.code() == Status::Code::kUnavailable && s.message().find("closed") != std::string::npos;
}

// What one round saw; calls from every thread, checked on the test thread.
class Round {
 public:
  explicit Round(EventStream* stream) : stream_(stream) {}
  EventStream* stream() const { return stream_; }

  // `s` is OK, one of `also` or the closed error; anything else is kept.
  void Check(const char* call, const Status& s, std::vector<Status::Code> also = {}) {
    calls_.fetch_add(1, std::memory_order_relaxed);
    if (s.ok() || IsClosed(s)) return;
    for (Status::Code c : also) {
      if (s.code() == c) return;
    }
    Unexpected(std::string(call) + " -> " + s.ToString());
  }
  void Unexpected(std::string what) {
    std::lock_guard<std::mutex> lock(mu_);
    unexpected_.push_back(std::move(what));
  }
  std::vector<std::string> unexpected() const {
    std::lock_guard<std::mutex> lock(mu_);
    return unexpected_;
  }
  int calls() const { return calls_.load(std::memory_order_relaxed); }

  std::atomic<bool> closed{false};  // a Close returned
  std::atomic<int> added{0};        // AddEvent calls that returned an id

 private:
  EventStream* const stream_;
  std::atomic<int> calls_{0};
  mutable std::mutex mu_;
  std::vector<std::string> unexpected_;
};

void AddEvents(Round* r) {
  for (int i = 0; i < kMaxAddsPerThread && !r->closed.load(); ++i) {
    Event e = NullObservation("stress " + std::to_string(i));
    auto id = r->stream()->AddEvent(&e, Source::kAgent);
    r->Check("AddEvent", id.status());
    if (id.ok()) r->added.fetch_add(1);
  }
}

void Query(Round* r, int i) {
  EventStream* s = r->stream();
  const std::int64_t latest = s->GetLatestEventId();
  if (latest < -1) r->Unexpected("GetLatestEventId -> " + std::to_string(latest));
  persist::SearchQuery q;
  q.reverse = (i & 1) != 0;
  q.limit = 5;
  switch (i % 4) {
    case 0:
      r->Check("SearchEvents", s->SearchEvents(q).status());
      break;
    case 1:
      r->Check("GetEvent", s->GetEvent(latest < 0 ? 0 : latest).status(),
               {Status::Code::kNotFound});
      break;
    case 2:
      r->Check("GetLatestEvent", s->GetLatestEvent().status(), {Status::Code::kNotFound});
      break;
    default:
      r->Check("GetMatchingEvents", s->GetMatchingEvents(EventFilterSpec{}, 0, 5).status());
  }
}

void Churn(Round* r, int i) {
  EventStream* s = r->stream();
  if (i % 2 == 0) {
    r->Check("SetSecrets", s->SetSecrets({{"api_key", "sk-stress-" + std::to_string(i)}}));
  } else {
    r->Check("UpdateSecrets", s->UpdateSecrets({{"token", "tk-stress-" + std::to_string(i)}}));
  }
  const Status sub = s->Subscribe(
      SubscriberId::kTest, [](const Event&) {}, "churn");
  r->Check("Subscribe", sub);
  if (sub.ok()) s->Unsubscribe(SubscriberId::kTest, "churn");
  if (s->Snapshot().session_id.empty()) r->Unexpected("Snapshot without a session id");
}

// Runs `step` until a Close returned (ExpectEverythingRefused checks after).
std::thread Caller(Round* r, std::function<void(Round*, int)> step) {
  return std::thread([r, step = std::move(step)] {
    int i = 0;
    while (!r->closed.load()) step(r, i++);
  });
}

void ExpectEverythingRefused(EventStream* s) {
  Event e = NullObservation("late");
  EXPECT_TRUE(IsClosed(s->AddEvent(&e, Source::kAgent).status()));
  EXPECT_TRUE(IsClosed(s->SearchEvents(persist::SearchQuery{}).status()));
  EXPECT_TRUE(IsClosed(s->GetEvent(0).status()));
  EXPECT_TRUE(IsClosed(s->SetSecrets({{"k", "v"}})));
  EXPECT_TRUE(IsClosed(s->UpdateSecrets({{"k", "v"}})));
  EXPECT_TRUE(IsClosed(s->Subscribe(
      SubscriberId::kTest, [](const Event&) {}, "late")));
  EXPECT_EQ(s->GetLatestEventId(), -1);
  s->Unsubscribe(SubscriberId::kMain, "witness");  // a no-op
}

EventStreamOptions CloseStressOptions(int round, const std::string& root) {
  EventStreamOptions options;
  options.store_root = root;
  options.capacity = 1u << 20;
  options.index_slots = 1u << 12;
  options.max_event_size = 1u << 14;
  options.history_wait_ns = 5'000'000;
  options.close_timeout_ns = 20'000'000'000;  // every accepted event is delivered
  options.callback_dispatch =
      round % 2 == 0 ? CallbackDispatch::kShared : CallbackDispatch::kDirect;
  options.log = [](const std::string&) {};
  return options;
}

// Subscribed throughout: sees every accepted event once, in id order, and
// queries the stream from its own thread while Close waits for it.
// `witnessed` is the witness's thread only, until Close returns.
void SubscribeWitness(Round* r, std::vector<std::int64_t>* witnessed) {
  ASSERT_TRUE(r->stream()
                  ->Subscribe(
                      SubscriberId::kMain,
                      [r, witnessed](const Event& e) {
                        witnessed->push_back(e.id);
                        if (e.id % 8 == 0) Query(r, static_cast<int>(e.id / 8));
                        if (e.id % 16 == 0) (void)r->stream()->Snapshot();
                      },
                      "witness")
                  .ok());
}

void CloseAndExpectEverythingRefused(Round* r) {
  EXPECT_TRUE(r->stream()->Close().ok());
  r->closed = true;
  ExpectEverythingRefused(r->stream());
}

// Two adders, a querier and a churner run while one closer (or, one round
// in three, two) closes the stream after a random number of calls.
void RaceCloseWithEveryCall(Round* r, std::mt19937* rng) {
  std::vector<std::thread> threads;
  threads.emplace_back([r] { AddEvents(r); });
  threads.emplace_back([r] { AddEvents(r); });
  threads.push_back(Caller(r, Query));
  threads.push_back(Caller(r, Churn));
  const int close_after = std::uniform_int_distribution<int>(0, 400)(*rng);
  const bool two_closers = (*rng)() % 3 == 0;
  std::thread second_closer;
  if (two_closers) {
    second_closer = std::thread([r, close_after] {
      (void)WaitFor([&] { return r->calls() >= close_after / 2; });
      CloseAndExpectEverythingRefused(r);
    });
  }
  (void)WaitFor([&] { return r->calls() >= close_after; });
  CloseAndExpectEverythingRefused(r);
  for (auto& t : threads) t.join();
  if (second_closer.joinable()) second_closer.join();
}

void RunRound(int round, const std::string& root) {
  SCOPED_TRACE("round " + std::to_string(round));
  std::mt19937 rng(static_cast<std::uint32_t>(round));
  const std::string sid = testing::UniqueSession("cs");
  auto opened = EventStream::Open(sid, CloseStressOptions(round, root));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<EventStream> stream = std::move(*opened);
  Round r(stream.get());
  std::vector<std::int64_t> witnessed;
  ASSERT_NO_FATAL_FAILURE(SubscribeWitness(&r, &witnessed));
  RaceCloseWithEveryCall(&r, &rng);

  for (const auto& u : r.unexpected()) ADD_FAILURE() << u;
  std::vector<std::int64_t> want(static_cast<std::size_t>(r.added.load()));
  for (std::size_t i = 0; i < want.size(); ++i) want[i] = static_cast<std::int64_t>(i);
  EXPECT_EQ(witnessed, want) << "every accepted event, once, in id order";
  EXPECT_EQ(stream->Snapshot().events_added, static_cast<std::uint64_t>(r.added.load()));
  stream.reset();
  testing::DestroyStream(sid);
}

TEST(EventStreamCloseStressTest, CloseRacingEveryOtherCallGivesEachAnAnswerOrClosed) {
  testing::TempDir root;
  for (int round = 0; round < kRounds; ++round) {
    RunRound(round, root.path());
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(EventStreamCloseStressTest, CloseFromInsideACallbackIsRefusedAndTheStreamKeepsWorking) {
  testing::TempDir root;
  const std::string sid = testing::UniqueSession("cc");
  EventStreamOptions options;
  options.store_root = root.path();
  options.log = [](const std::string&) {};
  auto opened = EventStream::Open(sid, options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<EventStream> stream = std::move(*opened);
  std::mutex mu;
  std::vector<Status> from_callback;
  ASSERT_TRUE(stream
                  ->Subscribe(
                      SubscriberId::kTest,
                      [&](const Event&) {
                        Status s = stream->Close();
                        std::lock_guard<std::mutex> lock(mu);
                        from_callback.push_back(std::move(s));
                      },
                      "closer")
                  .ok());
  for (int i = 0; i < 2; ++i) {
    Event e = NullObservation("close me");
    ASSERT_TRUE(stream->AddEvent(&e, Source::kAgent).ok());
  }
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return from_callback.size() == 2;
  }));
  for (const Status& s : from_callback) {
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("another thread"), std::string::npos) << s.message();
  }
  EXPECT_EQ(stream->GetLatestEventId(), 1);
  EXPECT_TRUE(stream->Close().ok());
  stream.reset();
  testing::DestroyStream(sid);
}

}  // namespace
}  // namespace evbus
