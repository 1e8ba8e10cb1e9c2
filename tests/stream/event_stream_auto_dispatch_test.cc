// CallbackDispatch::kAuto with its default blocking waits: the stream's first
// kAutoDirectCallbacks callbacks read the ring themselves (one hop), the rest
// share one dispatcher, and a segment short of free reader slots gets no
// direct reader at all. Every callback sees every event either way.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "shm/segment.h"
#include "shm/stats.h"
#include "shm/subscriber.h"
#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

using testing::NullObservation;
using testing::WaitFor;

class AutoDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sid_ = testing::UniqueSession("auto");
    EventStreamOptions options;  // the defaults: blocking waits, kAuto
    options.store_root = root_.path();
    auto s = EventStream::Open(sid_, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stream_ = std::move(*s);
  }
  void TearDown() override {
    if (stream_) (void)stream_->Close();
    stream_.reset();
    testing::DestroyStream(sid_);
  }
  // Subscribes `n` callbacks "c0".."c<n-1>", each recording the ids it sees.
  void SubscribeCallbacks(std::size_t n) {
    seen_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto record = [this, i](const Event& e) {
        std::lock_guard<std::mutex> lock(mu_);
        seen_[i].push_back(e.id);
      };
      ASSERT_TRUE(stream_->Subscribe(SubscriberId::kTest, record, "c" + std::to_string(i)).ok());
    }
  }
  bool EveryCallbackSaw(std::size_t events) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& ids : seen_) {
      if (ids.size() != events) return false;
    }
    return true;
  }
  int Readers(const std::string& prefix) {
    int n = 0;
    for (const auto& sub : shm::Snapshot(stream_->segment()).subscribers) {
      n += sub.name.rfind(prefix + std::to_string(::getpid()), 0) == 0;
    }
    return n;
  }
  void AddAndCheckDelivery(int events) {
    for (int i = 0; i < events; ++i) {
      Event e = NullObservation("event " + std::to_string(i));
      ASSERT_TRUE(stream_->AddEvent(&e, Source::kAgent).ok());
    }
    ASSERT_TRUE(WaitFor([&] { return EveryCallbackSaw(events); }));
    std::vector<std::int64_t> want;
    for (int i = 0; i < events; ++i) want.push_back(i);
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& ids : seen_) EXPECT_EQ(ids, want);
  }

  testing::TempDir root_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
  std::mutex mu_;
  std::vector<std::vector<std::int64_t>> seen_;
};

TEST_F(AutoDispatchTest, FirstCallbacksGetReadersOfTheirOwnTheRestShareTheDispatcher) {
  SubscribeCallbacks(kAutoDirectCallbacks + 2);
  EXPECT_EQ(Readers("cb."), static_cast<int>(kAutoDirectCallbacks));
  EXPECT_EQ(Readers("dispatch."), 1);
  AddAndCheckDelivery(20);
  // A direct callback's slot is freed with it, and the next callback takes
  // its place as a direct one.
  stream_->Unsubscribe(SubscriberId::kTest, "c0");
  EXPECT_EQ(Readers("cb."), static_cast<int>(kAutoDirectCallbacks) - 1);
  ASSERT_TRUE(stream_
                  ->Subscribe(
                      SubscriberId::kTest, [](const Event&) {}, "again")
                  .ok());
  EXPECT_EQ(Readers("cb."), static_cast<int>(kAutoDirectCallbacks));
}

TEST_F(AutoDispatchTest, ASegmentShortOfFreeReaderSlotsGetsOnlySharedCallbacks) {
  // Other readers hold all but kAutoFreeReaderSlots - 1 of the 64 slots.
  auto segment = shm::Segment::Open(sid_, "");
  ASSERT_TRUE(segment.ok()) << segment.status().ToString();
  std::vector<std::unique_ptr<shm::Subscriber>> others;
  while (stream_->segment().FreeSubscriberSlots() >= kAutoFreeReaderSlots) {
    shm::SubscriberOptions so;
    so.name = "other." + std::to_string(others.size());
    auto attached = shm::Subscriber::Attach(segment->get(), so);
    ASSERT_TRUE(attached.ok()) << attached.status().ToString();
    others.push_back(std::move(*attached));
  }
  SubscribeCallbacks(2);
  EXPECT_EQ(Readers("cb."), 0);
  EXPECT_EQ(Readers("dispatch."), 1);
  AddAndCheckDelivery(5);
  others.clear();  // before the segment they are attached to
}

}  // namespace
}  // namespace evbus
