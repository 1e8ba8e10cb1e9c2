// The persister reports every abandoned id by its id, with the pid of the
// producer that abandoned it: one log line per run of consecutive ids of
// one producer, written when its reader moves past them, and the pid kept in
// the store, so that `get_event` of the id names it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "persist/persister.h"
#include "persist/store.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "tests/persist/persist_test_util.h"
#include "tests/testutil/assign_to.h"

namespace evbus::persist {
namespace {

using testing::TempDir;

std::atomic<int> g_stalled{0};
std::atomic<bool> g_release{false};
int g_claimed_pipe = -1;

void StallUntilReleased(std::uint64_t) {
  g_stalled.fetch_add(1);
  while (!g_release.load()) std::this_thread::yield();
}

void SignalAndHang(std::uint64_t id) {
  if (::write(g_claimed_pipe, &id, sizeof(id)) != sizeof(id)) ::_exit(3);
  while (true) ::pause();
}

class PersisterAbandonedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = "pabandon" + std::to_string(::getpid());
    shm::SegmentOptions options;
    options.data_capacity = 1 << 20;
    options.index_slots = 1 << 10;
    options.max_record_size = 1 << 16;
    options.abandon_timeout_ns = 20'000'000;  // for the stalled (live) producers
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(stream_, "", options)).ok());
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "test"))
            .ok());
  }
  void TearDown() override {
    shm::testing::SetPauseAfterClaimHook(nullptr);
    producer_.reset();
    segment_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }

  void PublishEvent() {
    Event event;
    event.type = EventTypeFromTag(EventKind::kObservation, "null").value();
    event.source = Source::kAgent;
    event.content = "event";
    std::uint64_t id = 0;
    ASSERT_TRUE(
        producer_->Publish(RecordMetaFor(event), EventToJson(event), 1'000'000'000, &id).ok());
  }

  // A forked producer claims the next id and is killed before committing it.
  pid_t KillProducerMidRecord() {
    int fds[2];
    EXPECT_EQ(0, ::pipe(fds));
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(fds[0]);
      g_claimed_pipe = fds[1];
      std::unique_ptr<shm::Segment> seg;
      std::unique_ptr<shm::Producer> p;
      if (!::evbus::testutil::AssignTo(&seg, shm::Segment::Open(stream_, "")).ok()) ::_exit(1);
      if (!::evbus::testutil::AssignTo(&p, shm::Producer::Attach(seg.get(), "doomed")).ok())
        ::_exit(2);
      shm::testing::SetPauseAfterClaimHook(&SignalAndHang);
      std::uint64_t id;
      (void)p->TryPublish({}, "{}", &id);
      ::_exit(4);
    }
    ::close(fds[1]);
    std::uint64_t claimed = 0;
    EXPECT_EQ(static_cast<ssize_t>(sizeof(claimed)), ::read(fds[0], &claimed, sizeof(claimed)));
    ::close(fds[0]);
    ::kill(child, SIGKILL);
    int status = 0;
    EXPECT_EQ(child, ::waitpid(child, &status, 0));
    return child;
  }

  // Ids 2 and 3: two producers of this process claim an id each and stall
  // past the abandon timeout until g_release.
  std::vector<std::thread> StallTwoProducers() {
    g_stalled = 0;
    g_release = false;
    shm::testing::SetPauseAfterClaimHook(&StallUntilReleased);
    std::vector<std::thread> stalled;
    for (int i = 0; i < 2; ++i) {
      stalled.emplace_back([this, i] {
        std::unique_ptr<shm::Producer> slow;
        ASSERT_TRUE(::evbus::testutil::AssignTo(
                        &slow, shm::Producer::Attach(segment_.get(), "slow" + std::to_string(i)))
                        .ok());
        std::uint64_t id;
        EXPECT_EQ(shm::PublishResult::kAbandoned, slow->TryPublish({}, "{}", &id));
      });
      while (g_stalled.load() != i + 1) std::this_thread::yield();
    }
    shm::testing::SetPauseAfterClaimHook(nullptr);
    return stalled;
  }

  // A persister drains ids 0..4 (its log lines go to `log`), then the
  // stalled producers are released and joined; `abandoned` gets its count.
  void PersistFiveIds(std::vector<std::thread>* stalled, std::vector<std::string>* log,
                      std::uint64_t* abandoned) {
    PersisterOptions options;
    options.root = tmp_.path();
    options.session_id = stream_;
    options.log = [log](const std::string& line) { log->push_back(line); };
    auto persister = Persister::Open(options);
    ASSERT_TRUE(persister.ok()) << persister.status().ToString();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while ((*persister)->next_id() < 5 && std::chrono::steady_clock::now() < deadline) {
      ASSERT_TRUE((*persister)->DrainOnce().ok());
    }
    g_release = true;
    for (std::thread& t : *stalled) t.join();
    ASSERT_EQ(5u, (*persister)->next_id());
    ASSERT_TRUE((*persister)->Close().ok());
    *abandoned = (*persister)->stats().abandoned;
  }

  // `get_event` of an abandoned id names the producer's pid.
  void ExpectStoreNamesThePids(pid_t dead) {
    const std::string self = std::to_string(::getpid());
    auto store = Store::Open(tmp_.path(), stream_, "");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_NE(std::string::npos, (*store)->GetEventJson(1).status().message().find(
                                     "abandoned by producer pid " + std::to_string(dead)));
    EXPECT_NE(std::string::npos, (*store)->GetEventJson(3).status().message().find(
                                     "abandoned by producer pid " + self));
    EXPECT_TRUE((*store)->GetEventJson(4).ok());
  }

  TempDir tmp_;
  std::string stream_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<shm::Producer> producer_;
};

TEST_F(PersisterAbandonedTest, LogsEachAbandonedRunWithItsIdsAndPidAndKeepsThePid) {
  ASSERT_NO_FATAL_FAILURE(PublishEvent());                 // id 0
  const pid_t dead = KillProducerMidRecord();              // id 1
  std::vector<std::thread> stalled = StallTwoProducers();  // ids 2 and 3
  ASSERT_NO_FATAL_FAILURE(PublishEvent());                 // id 4

  std::vector<std::string> log;
  std::uint64_t abandoned = 0;
  ASSERT_NO_FATAL_FAILURE(PersistFiveIds(&stalled, &log, &abandoned));

  const std::string self = std::to_string(::getpid());
  ASSERT_EQ(2u, log.size()) << (log.empty() ? "" : log.front());
  EXPECT_EQ(0u, log[0].rfind("evbus persist: id 1 was abandoned by producer pid " +
                                 std::to_string(dead) + " (",
                             0))
      << log[0];
  EXPECT_EQ(0u, log[1].rfind("evbus persist: ids 2..3 were abandoned by producer pid " + self, 0))
      << log[1];
  EXPECT_EQ(3u, abandoned);
  ExpectStoreNamesThePids(dead);
}

}  // namespace
}  // namespace evbus::persist
