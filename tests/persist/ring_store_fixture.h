// A stream with a real ring and a store beside it, for the tests of the
// readers that join the two (UnifiedView, RefillingSubscriber): creates the
// segment, publishes numbered events, and runs a persister on its own thread.
#ifndef EVBUS_TESTS_PERSIST_RING_STORE_FIXTURE_H_
#define EVBUS_TESTS_PERSIST_RING_STORE_FIXTURE_H_

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "core/event.h"
#include "persist/persister.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "tests/persist/persist_test_util.h"
#include "tests/testutil/assign_to.h"

namespace evbus::persist::testing {

class RingStoreTest : public ::testing::Test {
 protected:
  // A ring of `data_capacity` bytes and `index_slots` ids.
  void CreateStream(std::uint64_t data_capacity, std::uint32_t index_slots) {
    static int counter = 0;
    stream_ = "rstest" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    shm::SegmentOptions options;
    options.data_capacity = data_capacity;
    options.index_slots = index_slots;
    options.max_record_size = static_cast<std::uint32_t>(data_capacity / 8);
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(stream_, "", options)).ok());
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "test"))
            .ok());
  }
  void TearDown() override {
    StopPersister();
    producer_.reset();
    segment_.reset();
    if (!stream_.empty()) (void)shm::Segment::Remove(stream_, "");
  }

  PersisterOptions PersisterOptionsForTest() const {
    PersisterOptions options;
    options.root = tmp_.path();
    options.session_id = stream_;
    options.writer.max_page_records = 500;  // several pages
    return options;
  }

  // The content of event `id`: its number, padded to vary the record size.
  static std::string ContentOf(std::int64_t id) {
    return "event " + std::to_string(id) + " " +
           std::string(static_cast<std::size_t>(id % 97), 'x');
  }

  // Publishes `count` events with ids published_, published_ + 1, ...
  void Publish(int count) {
    for (int i = 0; i < count; ++i) {
      Event event;
      event.type = EventTypeFromTag(EventKind::kObservation, "null").value();
      event.source = Source::kAgent;
      event.timestamp_ns = 1'700'000'000'000'000'000 + published_.load();
      event.content = ContentOf(published_.load());
      std::uint64_t id = 0;
      Status s = producer_->Publish(RecordMetaFor(event), EventToJson(event), 10'000'000'000, &id);
      ASSERT_TRUE(s.ok()) << s.ToString();
      ASSERT_EQ(id, static_cast<std::uint64_t>(published_.load()));
      published_.fetch_add(1, std::memory_order_release);
    }
  }

  // Runs a persister on its own thread until StopPersister().
  void StartPersister() {
    auto persister = Persister::Open(PersisterOptionsForTest());
    ASSERT_TRUE(persister.ok()) << persister.status().ToString();
    persister_ = std::move(*persister);
    persister_thread_ = std::thread([this] { persister_status_ = persister_->Run(); });
  }
  void StopPersister() {
    if (!persister_thread_.joinable()) return;
    persister_->RequestStop();
    persister_thread_.join();
    EXPECT_TRUE(persister_status_.ok()) << persister_status_.ToString();
    persister_.reset();
  }

  // Waits (deadline 20 s) until `done` holds; false on timeout.
  template <typename Pred>
  static bool WaitFor(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  TempDir tmp_;
  std::string stream_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<shm::Producer> producer_;
  std::atomic<std::int64_t> published_{0};
  std::unique_ptr<Persister> persister_;
  std::thread persister_thread_;
  Status persister_status_;
};

}  // namespace evbus::persist::testing

#endif  // EVBUS_TESTS_PERSIST_RING_STORE_FIXTURE_H_
