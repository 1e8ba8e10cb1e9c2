// kill -9 of the persister process at random moments while a producer
// publishes, many rounds: after a final clean run the store holds every
// published id exactly once, in order, with its own content.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "persist/store.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "tests/persist/persist_test_util.h"
#include "tests/testutil/assign_to.h"

extern char** environ;

namespace evbus::persist {
namespace {

using testing::TempDir;

constexpr int kRounds = 60;

pid_t SpawnPersister(const std::string& root, const std::string& stream, const char* fsync) {
  const std::string binary = std::string(EVBUS_BINARY_DIR) + "/evbus_persister";
  std::vector<std::string> args = {binary,    "--root", root,           "--session", stream,
                                   "--fsync", fsync,    "--page-bytes", "65536"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

// Publishes numbered events from a thread until stopped; back-pressure
// while no persister runs is expected and retried.
class BackgroundProducer {
 public:
  ~BackgroundProducer() { Stop(); }
  void Start(shm::Segment* segment) {
    thread_ = std::thread([this, segment] { Run(segment); });
  }
  // Stops and joins; then status() and published() are final.
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  const Status& status() const { return status_; }
  std::int64_t published() const { return published_.load(); }

 private:
  void Run(shm::Segment* segment) {
    std::unique_ptr<shm::Producer> producer;
    status_ = ::evbus::testutil::AssignTo(&producer, shm::Producer::Attach(segment, "stress"));
    Event event;
    event.type = EventTypeFromTag(EventKind::kObservation, "null").value();
    event.source = Source::kEnvironment;
    for (std::int64_t i = 0; status_.ok() && !stop_.load(); ++i) {
      event.timestamp_ns = i;
      event.content =
          "event " + std::to_string(i) + std::string(static_cast<std::size_t>(i % 97), '.');
      std::uint64_t id = 0;
      // Back-pressure while no persister runs is expected: retry until stopped.
      do {
        status_ = producer->Publish(RecordMetaFor(event), EventToJson(event), 50'000'000, &id);
      } while (status_.IsBackPressured() && !stop_.load());
      if (status_.IsBackPressured()) {
        status_ = Status::OK();
        break;
      }
      if (status_.ok() && id != static_cast<std::uint64_t>(i)) {
        status_ = Status::Corruption("unexpected id " + std::to_string(id));
      }
      if (status_.ok()) published_.store(i + 1);
    }
  }

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::int64_t> published_{0};
  Status status_;
};

class PersisterKillStressTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access((std::string(EVBUS_BINARY_DIR) + "/evbus_persister").c_str(), X_OK), 0)
        << "build the evbus_persister target first";
    shm::SegmentOptions options;
    options.data_capacity = 1 << 20;
    options.index_slots = 1 << 12;
    options.max_record_size = 1 << 16;
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(stream_, "", options)).ok());
  }

  void TearDown() override {
    segment_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }

  // The persister registers as a durable subscriber before anything is
  // published (the registration outlives its kill -9s and keeps gating).
  void RegisterDurablePersister() {
    const pid_t first = SpawnPersister(tmp_.path(), stream_, "group");
    ASSERT_GT(first, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    int durable = 0;
    while (durable == 0 && std::chrono::steady_clock::now() < deadline) {
      for (const shm::SegmentInfo& info : shm::Segment::List()) {
        if (info.stream == stream_) durable = info.durable_subscribers;
      }
    }
    ASSERT_EQ(durable, 1);
    ASSERT_EQ(::kill(first, SIGKILL), 0);
    ASSERT_EQ(::waitpid(first, nullptr, 0), first);
  }

  void KillPersistersAtRandomMoments() {
    std::mt19937 rng(20260101);
    const char* policies[] = {"group", "every-event", "per-page", "never"};
    for (int round = 0; round < kRounds; ++round) {
      const pid_t pid = SpawnPersister(tmp_.path(), stream_, policies[rng() % 4]);
      ASSERT_GT(pid, 0);
      // The injection point: a random moment in the persister's life (start-up,
      // recovery, draining, syncing). Not a synchronisation.
      // Half the rounds die young (start-up, recovery), half while draining.
      const auto micros = round % 2 == 0 ? rng() % 40'000 : 100'000 + rng() % 300'000;
      std::this_thread::sleep_for(std::chrono::microseconds(micros));
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      int status = 0;
      ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    }
  }

  // A final run drains the rest up to id total-1; then SIGTERM stops it cleanly.
  void DrainWithFinalPersister(std::int64_t total) {
    const pid_t pid = SpawnPersister(tmp_.path(), stream_, "group");
    ASSERT_GT(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::int64_t latest = -1;
    while (latest != total - 1 && std::chrono::steady_clock::now() < deadline) {
      auto store = Store::Open(tmp_.path(), stream_, "");
      if (store.ok()) latest = (*store)->GetLatestEventId();
      std::this_thread::yield();
    }
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    ASSERT_EQ(latest, total - 1);
  }

  // Every id from 0 to total-1 once, in order, with its own content, and no
  // corruption reported.
  void ExpectStoreHoldsEveryIdOnce(std::int64_t total) {
    testing::CollectingReporter reporter;
    auto store = Store::Open(tmp_.path(), stream_, "", StoreOptions{16, false, nullptr, &reporter});
    ASSERT_TRUE(store.ok());
    std::int64_t expected = 0;
    EventIterator it = (*store)->Search(SearchQuery());
    while (it.Next()) {
      ASSERT_EQ(it.meta().id, expected);
      auto event = ParseEvent(it.json());
      ASSERT_TRUE(event.ok());
      ASSERT_EQ(event->content.substr(0, event->content.find('.')),
                "event " + std::to_string(expected));
      ++expected;
    }
    ASSERT_TRUE(it.status().ok());
    EXPECT_EQ(expected, total);  // every id once: none missing, none abandoned
    EXPECT_TRUE(reporter.reports.empty());
  }

  TempDir tmp_;
  const std::string stream_ = "pkill" + std::to_string(::getpid());
  std::unique_ptr<shm::Segment> segment_;
};

TEST_F(PersisterKillStressTest, StoreHoldsEveryPublishedIdExactlyOnceAfterKill9s) {
  ASSERT_NO_FATAL_FAILURE(RegisterDurablePersister());
  BackgroundProducer producer;
  producer.Start(segment_.get());
  ASSERT_NO_FATAL_FAILURE(KillPersistersAtRandomMoments());
  producer.Stop();
  ASSERT_TRUE(producer.status().ok()) << producer.status().ToString();
  const std::int64_t total = producer.published();
  ASSERT_GT(total, 0);
  ASSERT_NO_FATAL_FAILURE(DrainWithFinalPersister(total));
  ASSERT_NO_FATAL_FAILURE(ExpectStoreHoldsEveryIdOnce(total));
  std::printf("%d kill -9 rounds, %lld events published and stored\n", kRounds,
              static_cast<long long>(total));
}

}  // namespace
}  // namespace evbus::persist
