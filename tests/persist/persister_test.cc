// Persister against a real segment: drains what producers publish, refuses a
// second persister, resumes after a restart, and stores ids that a dead
// reader had consumed from the ring without storing them.
#include "persist/persister.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "core/event.h"
#include "persist/store.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tests/persist/persist_test_util.h"
#include "tests/testutil/assign_to.h"

namespace evbus::persist {
namespace {

using testing::TempDir;

class PersisterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    stream_ = "ptest" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    shm::SegmentOptions options;
    options.data_capacity = 1 << 20;
    options.index_slots = 1 << 12;
    options.max_record_size = 1 << 16;
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(stream_, "", options)).ok());
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "test"))
            .ok());
  }
  void TearDown() override {
    producer_.reset();
    segment_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }

  PersisterOptions Options() const {
    PersisterOptions options;
    options.root = tmp_.path();
    options.session_id = stream_;
    return options;
  }

  void Publish(int count) {
    for (int i = 0; i < count; ++i) {
      Event event;
      event.type = EventTypeFromTag(EventKind::kObservation, "null").value();
      event.source = Source::kAgent;
      event.timestamp_ns = 1'700'000'000'000'000'000 + published_;
      event.content = "event " + std::to_string(published_);
      std::uint64_t id = 0;
      ASSERT_TRUE(
          producer_->Publish(RecordMetaFor(event), EventToJson(event), 1'000'000'000, &id).ok());
      ASSERT_EQ(id, static_cast<std::uint64_t>(published_));
      ++published_;
    }
  }

  // Drains until the persister has stored every published id (deadline 10 s).
  static void DrainAll(Persister* persister, std::uint64_t until) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (persister->next_id() < until && std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE(persister->DrainOnce().ok());
    }
    ASSERT_EQ(persister->next_id(), until);
  }

  void ExpectStoreHoldsEveryPublishedEvent() {
    auto store = Store::Open(tmp_.path(), stream_, "");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_EQ((*store)->GetLatestEventId(), published_ - 1);
    auto events = (*store)->SearchEvents(SearchQuery());
    ASSERT_TRUE(events.ok()) << events.status().ToString();
    ASSERT_EQ(events->size(), static_cast<std::size_t>(published_));
    for (std::int64_t i = 0; i < published_; ++i) {
      EXPECT_EQ((*events)[static_cast<std::size_t>(i)].id, i);
      EXPECT_EQ((*events)[static_cast<std::size_t>(i)].content, "event " + std::to_string(i));
    }
  }

  TempDir tmp_;
  std::string stream_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<shm::Producer> producer_;
  std::int64_t published_ = 0;
};

TEST_F(PersisterTest, StoresEveryPublishedEventWithItsId) {
  auto persister = Persister::Open(Options());
  ASSERT_TRUE(persister.ok()) << persister.status().ToString();
  Publish(300);
  DrainAll(persister->get(), 300);
  ASSERT_TRUE((*persister)->Close().ok());
  EXPECT_EQ((*persister)->durable_next_id(), 300u);
  EXPECT_EQ((*persister)->stats().persisted, 300u);
  ExpectStoreHoldsEveryPublishedEvent();
}

TEST_F(PersisterTest, RefusesASecondPersisterOnTheSameStream) {
  auto first = Persister::Open(Options());
  ASSERT_TRUE(first.ok());
  auto second = Persister::Open(Options());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kBusy);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid())), std::string::npos);
}

TEST_F(PersisterTest, ResumesFromTheNextIdAfterARestart) {
  {
    auto persister = Persister::Open(Options());
    ASSERT_TRUE(persister.ok());
    Publish(50);
    DrainAll(persister->get(), 50);
  }
  Publish(70);
  auto persister = Persister::Open(Options());
  ASSERT_TRUE(persister.ok()) << persister.status().ToString();
  EXPECT_EQ((*persister)->next_id(), 50u);
  DrainAll(persister->get(), 120);
  ASSERT_TRUE((*persister)->Close().ok());
  ExpectStoreHoldsEveryPublishedEvent();
}

TEST_F(PersisterTest, RereadsIdsADeadPersisterHadReadButNotStored) {
  Publish(40);
  // A "persister" that reads 25 records from the ring and dies before storing them.
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::unique_ptr<shm::Segment> segment;
    std::unique_ptr<shm::Subscriber> sub;
    shm::SubscriberOptions options;
    options.name = "persister";
    options.durable = true;
    if (!::evbus::testutil::AssignTo(&segment, shm::Segment::Open(stream_, "")).ok()) ::_exit(1);
    if (!::evbus::testutil::AssignTo(&sub, shm::Subscriber::Attach(segment.get(), options)).ok())
      ::_exit(2);
    shm::Record record;
    for (int i = 0; i < 25; ++i) {
      if (sub->Read(&record, 1'000'000'000) != shm::ReadStatus::kRecord) ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto persister = Persister::Open(Options());
  ASSERT_TRUE(persister.ok()) << persister.status().ToString();
  DrainAll(persister->get(), 40);
  ASSERT_TRUE((*persister)->Close().ok());
  EXPECT_EQ((*persister)->stats().abandoned, 0u);
  ExpectStoreHoldsEveryPublishedEvent();
}

}  // namespace
}  // namespace evbus::persist
