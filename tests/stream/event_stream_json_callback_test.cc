// SubscribeJson: each event reaches a JSON callback as the text EventToJson
// writes for what an Event callback gets, live and from history, with
// direct and shared dispatch; bad arguments and throwing callbacks are
// handled as for Subscribe.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/event.h"
#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"
#include "tests/testutil/trajectories.h"

namespace evbus {
namespace {

using testing::WaitFor;

// What a callback saw, in order.
struct Seen {
  std::mutex mu;
  std::vector<std::string> texts;
  void Add(std::string text) {
    std::lock_guard<std::mutex> lock(mu);
    texts.push_back(std::move(text));
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return texts.size();
  }
};

class JsonCallbackTest : public ::testing::TestWithParam<CallbackDispatch> {
 protected:
  void SetUp() override {
    sid_ = testing::UniqueSession("jsoncb");
    EventStreamOptions options;
    options.store_root = root_.path();
    options.callback_dispatch = GetParam();
    options.log = [](const std::string&) {};
    auto s = EventStream::Open(sid_, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stream_ = std::move(*s);
  }
  void TearDown() override {
    if (stream_) (void)stream_->Close();
    testing::DestroyStream(sid_);
  }
  // Adds every trajectory event (its recorded id and timestamp dropped).
  std::size_t AddTrajectories() {
    std::size_t n = 0;
    for (const std::string& text : testutil::TrajectoryEventTexts()) {
      auto event = ParseEvent(text);
      if (!event.ok()) continue;
      event->id = Event::kInvalidId;
      EXPECT_TRUE(stream_->AddEvent(&*event, event->source).ok());
      ++n;
    }
    return n;
  }
  EventCallback AsText(Seen* seen) {
    return [seen](const Event& e) { seen->Add(EventToJson(e)); };
  }
  static EventJsonCallback Text(Seen* seen) {
    return [seen](std::string_view json) { seen->Add(std::string(json)); };
  }

  testing::TempDir root_;
  std::string sid_;
  // What the callbacks saw: members, so that they outlive the stream's
  // workers even when a test returns early (TearDown closes the stream).
  Seen json_, event_;
  std::unique_ptr<EventStream> stream_;
};

TEST_P(JsonCallbackTest, LiveEventsArriveAsTheTextAnEventCallbackWouldWrite) {
  Seen& json = json_;
  Seen& event = event_;
  ASSERT_TRUE(stream_->SubscribeJson(SubscriberId::kTest, Text(&json), "json").ok());
  ASSERT_TRUE(stream_->Subscribe(SubscriberId::kMain, AsText(&event), "event").ok());
  const std::size_t n = AddTrajectories();
  ASSERT_GT(n, 30u);
  ASSERT_TRUE(WaitFor([&] { return json.size() == n && event.size() == n; }))
      << json.size() << " " << event.size() << " of " << n;
  EXPECT_EQ(json.texts, event.texts);
}

TEST_P(JsonCallbackTest, HistoryFromAStartIdArrivesTheSameWay) {
  const std::size_t n = AddTrajectories();
  Seen& json = json_;
  Seen& event = event_;
  ASSERT_TRUE(stream_->SubscribeJson(SubscriberId::kTest, Text(&json), "json", 5).ok());
  ASSERT_TRUE(stream_->SubscribeFrom(SubscriberId::kMain, AsText(&event), "event", 5).ok());
  ASSERT_TRUE(WaitFor([&] { return json.size() == n - 5 && event.size() == n - 5; }))
      << json.size() << " " << event.size() << " of " << n - 5;
  EXPECT_EQ(json.texts, event.texts);
  ASSERT_FALSE(json.texts.empty());
  auto first = ParseEvent(json.texts.front());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->id, 5);
}

TEST_P(JsonCallbackTest, BadArgumentsAreRefusedAsForSubscribe) {
  Status s = stream_->SubscribeJson(SubscriberId::kTest, EventJsonCallback{}, "empty");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  s = stream_->SubscribeJson(
      SubscriberId::kTest, [](std::string_view) {}, "neg", -1);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_TRUE(stream_
                  ->SubscribeJson(
                      SubscriberId::kTest, [](std::string_view) {}, "a")
                  .ok());
  s = stream_->SubscribeJson(
      SubscriberId::kTest, [](std::string_view) {}, "a");
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists) << s.ToString();
  EXPECT_EQ(stream_->Snapshot().callbacks.size(), 1u);
}

TEST_P(JsonCallbackTest, AThrowingJsonCallbackIsCountedAndKeepsReceiving) {
  static std::atomic<int> calls{0};  // outlives the worker
  calls = 0;
  ASSERT_TRUE(stream_
                  ->SubscribeJson(
                      SubscriberId::kTest,
                      [](std::string_view) {
                        calls.fetch_add(1);
                        throw std::runtime_error("callback failed");
                      },
                      "thrower")
                  .ok());
  for (int i = 0; i < 3; ++i) {
    Event e = testing::NullObservation("event " + std::to_string(i));
    ASSERT_TRUE(stream_->AddEvent(&e, Source::kAgent).ok());
  }
  EXPECT_TRUE(WaitFor([&] { return stream_->Snapshot().callbacks[0].failures == 3; }));
  EXPECT_EQ(calls.load(), 3);
}

INSTANTIATE_TEST_SUITE_P(Dispatch, JsonCallbackTest,
                         ::testing::Values(CallbackDispatch::kShared, CallbackDispatch::kDirect),
                         [](const ::testing::TestParamInfo<CallbackDispatch>& info) {
                           return info.param == CallbackDispatch::kDirect ? "Direct" : "Shared";
                         });

}  // namespace
}  // namespace evbus
