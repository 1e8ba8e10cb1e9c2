// Per-callback metrics in shared memory: live counters of other processes
// read through ReadStreamMetrics, stale files of killed processes, record
// reuse and overflow, foreign files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "stream/event_stream.h"
#include "stream/metrics_layout.h"
#include "stream/metrics_reader.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

const std::string kProc = std::string(EVBUS_BINARY_DIR) + "/stream_metrics_proc";

// A stream_metrics_proc child whose stdin is a pipe we hold.
struct Child {
  pid_t pid = -1;
  int stdin_fd = -1;
  std::string ready;
};

Child Spawn(const std::string& root, const std::string& sid, const std::string& callback_id,
            int add, int total) {
  Child c;
  c.ready = root + "/ready-" + callback_id;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return c;
  const std::vector<std::string> args = {
      kProc, root, sid, callback_id, std::to_string(add), std::to_string(total), c.ready};
  c.pid = ::fork();
  if (c.pid == 0) {
    ::dup2(fds[0], STDIN_FILENO);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kProc.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  c.stdin_fd = fds[1];
  return c;
}

int CloseAndWait(Child* c) {
  if (c->stdin_fd >= 0) ::close(c->stdin_fd);
  c->stdin_fd = -1;
  int status = 0;
  const bool exited = testing::WaitFor(
      [&] { return ::waitpid(c->pid, &status, WNOHANG) == c->pid; }, std::chrono::seconds(60));
  if (!exited) {
    ::kill(c->pid, SIGKILL);
    ::waitpid(c->pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

bool WaitReady(const Child& c) {
  return testing::WaitFor([&] { return ::access(c.ready.c_str(), F_OK) == 0; },
                          std::chrono::seconds(60));
}

const CallbackSnapshot* Find(const StreamSnapshot& s, SubscriberId sub) {
  for (const auto& c : s.callbacks) {
    if (c.subscriber_id == sub) return &c;
  }
  return nullptr;
}

std::uint64_t Total(const std::array<std::uint64_t, kLatencyBuckets>& buckets) {
  std::uint64_t n = 0;
  for (auto b : buckets) n += b;
  return n;
}

class StreamMetricsShmTest : public ::testing::Test {
 protected:
  void SetUp() override { sid_ = testing::UniqueSession("metrics"); }
  void TearDown() override {
    testing::DestroyStream(sid_);
    (void)RemoveStaleStreamMetrics(sid_);
  }
  std::unique_ptr<EventStream> Open(const std::string& sid) {
    EventStreamOptions o;
    o.store_root = dir_.path();
    o.log = [](const std::string&) {};
    auto s = EventStream::Open(sid, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  testing::TempDir dir_;
  std::string sid_;
};

TEST_F(StreamMetricsShmTest, ThirdProcessReadsLiveCallbackMetricsOfTwoProcesses) {
  Child a = Spawn(dir_.path(), sid_, "alpha", 20, 40);
  Child b = Spawn(dir_.path(), sid_, "beta", 20, 40);
  ASSERT_TRUE(WaitReady(a));
  ASSERT_TRUE(WaitReady(b));
  auto read = ReadStreamMetrics(sid_);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  std::vector<pid_t> pids;
  for (const StreamSnapshot& s : *read) {
    pids.push_back(static_cast<pid_t>(s.pid));
    EXPECT_FALSE(s.stale);
    EXPECT_EQ(s.session_id, sid_);
    EXPECT_EQ(s.events_added, 20u);
    EXPECT_LE(s.events_dispatched, 40u);  // from the ring head at its first subscribe
    ASSERT_EQ(s.callbacks.size(), 2u);
    const CallbackSnapshot* counting = Find(s, SubscriberId::kServer);
    const CallbackSnapshot* throwing = Find(s, SubscriberId::kMemory);
    ASSERT_NE(counting, nullptr);
    ASSERT_NE(throwing, nullptr);
    const std::string name = s.pid == a.pid ? "alpha" : "beta";
    EXPECT_EQ(counting->callback_id, name);
    EXPECT_EQ(throwing->callback_id, name + "-throws");
    EXPECT_EQ(counting->delivered, 40u);
    EXPECT_EQ(counting->failures, 0u);
    EXPECT_EQ(throwing->delivered, 40u);
    EXPECT_EQ(throwing->failures, 40u);
    EXPECT_EQ(counting->queue_depth, 0u);
    EXPECT_EQ(Total(counting->latency), 40u);
  }
  std::sort(pids.begin(), pids.end());
  EXPECT_EQ(pids, (std::vector<pid_t>{std::min(a.pid, b.pid), std::max(a.pid, b.pid)}));
  EXPECT_EQ(CloseAndWait(&a), 0);
  EXPECT_EQ(CloseAndWait(&b), 0);
  read = ReadStreamMetrics(sid_, {}, {.include_stale = true});
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty()) << "close() removes the metrics file";
}

TEST_F(StreamMetricsShmTest, ReportsKilledProcessFileAsStaleAndRemovesItOnRequest) {
  Child a = Spawn(dir_.path(), sid_, "victim", 5, 5);
  ASSERT_TRUE(WaitReady(a));
  ASSERT_EQ(::kill(a.pid, SIGKILL), 0);
  EXPECT_EQ(CloseAndWait(&a), -2);
  auto live = ReadStreamMetrics(sid_);
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(live->empty()) << "a dead process's file is not live";
  auto all = ReadStreamMetrics(sid_, {}, {.include_stale = true});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].stale);
  EXPECT_EQ((*all)[0].pid, a.pid);
  EXPECT_EQ((*all)[0].events_added, 5u) << "its last counters stay readable";
  EXPECT_EQ(RemoveStaleStreamMetrics(sid_), 1u);
  all = ReadStreamMetrics(sid_, {}, {.include_stale = true});
  ASSERT_TRUE(all.ok());
  EXPECT_TRUE(all->empty());
}

TEST_F(StreamMetricsShmTest, FileFollowsCountersLiveAndGoesAtClose) {
  auto stream = Open(sid_);
  ASSERT_NE(stream, nullptr);
  std::atomic<int> seen{0};
  ASSERT_TRUE(stream
                  ->Subscribe(
                      SubscriberId::kTest, [&](const Event&) { ++seen; }, "cb")
                  .ok());
  for (int round = 1; round <= 2; ++round) {
    Event e = testing::NullObservation("x");
    ASSERT_TRUE(stream->AddEvent(&e, Source::kAgent).ok());
    ASSERT_TRUE(testing::WaitFor([&] { return seen.load() == round; }));
    ASSERT_TRUE(testing::WaitFor([&] {
      auto r = ReadStreamMetrics(sid_);
      return r.ok() && r->size() == 1 && (*r)[0].callbacks.size() == 1 &&
             (*r)[0].callbacks[0].delivered == static_cast<std::uint64_t>(round);
    }));
  }
  auto r = ReadStreamMetrics(sid_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].pid, ::getpid());
  EXPECT_EQ((*r)[0].events_added, 2u);
  EXPECT_EQ(::access(stream->metrics_path().c_str(), F_OK), 0);
  ASSERT_TRUE(stream->Close().ok());
  EXPECT_NE(::access(stream->metrics_path().c_str(), F_OK), 0);
  EXPECT_EQ(stream->Snapshot().events_added, 2u) << "the final snapshot survives close";
}

TEST_F(StreamMetricsShmTest, UnsubscribedCallbackLeavesFileAndItsRecordIsReusedZeroed) {
  auto stream = Open(sid_);
  ASSERT_NE(stream, nullptr);
  std::atomic<int> seen{0};
  ASSERT_TRUE(stream
                  ->Subscribe(
                      SubscriberId::kTest, [&](const Event&) { ++seen; }, "old")
                  .ok());
  Event e = testing::NullObservation("x");
  ASSERT_TRUE(stream->AddEvent(&e, Source::kAgent).ok());
  ASSERT_TRUE(testing::WaitFor([&] { return seen.load() == 1; }));
  stream->Unsubscribe(SubscriberId::kTest, "old");
  ASSERT_TRUE(testing::WaitFor([&] {
    auto r = ReadStreamMetrics(sid_);
    return r.ok() && r->size() == 1 && (*r)[0].callbacks.empty();
  })) << "the dispatcher lets go of an unsubscribed worker within its read slice";
  ASSERT_TRUE(stream
                  ->Subscribe(
                      SubscriberId::kMain, [](const Event&) {}, "new")
                  .ok());
  auto r = ReadStreamMetrics(sid_);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  ASSERT_EQ((*r)[0].callbacks.size(), 1u);
  EXPECT_EQ((*r)[0].callbacks[0].callback_id, "new");
  EXPECT_EQ((*r)[0].callbacks[0].subscriber_id, SubscriberId::kMain);
  EXPECT_EQ((*r)[0].callbacks[0].delivered, 0u) << "the reused record starts from zero";
}

TEST_F(StreamMetricsShmTest, CountsCallbacksBeyondCapacityAsUnpublished) {
  auto stream = Open(sid_);
  ASSERT_NE(stream, nullptr);
  const int n = static_cast<int>(metrics_layout::kRecordCapacity) + 2;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(stream
                    ->Subscribe(
                        SubscriberId::kTest, [](const Event&) {}, "cb" + std::to_string(i))
                    .ok());
  }
  auto r = ReadStreamMetrics(sid_);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].callbacks.size(), metrics_layout::kRecordCapacity);
  EXPECT_EQ((*r)[0].unpublished, 2u);
  EXPECT_EQ(stream->Snapshot().callbacks.size(), static_cast<std::size_t>(n));
}

TEST_F(StreamMetricsShmTest, IgnoresStreamWhoseNameExtendsTheRequestedOne) {
  const std::string longer = sid_ + "." + std::to_string(::getpid());
  auto mine = Open(sid_);
  auto other = Open(longer);
  ASSERT_NE(mine, nullptr);
  ASSERT_NE(other, nullptr);
  auto r = ReadStreamMetrics(sid_);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].session_id, sid_);
  other.reset();
  testing::DestroyStream(longer);
}

TEST_F(StreamMetricsShmTest, RejectsFileWithForeignLayoutNamingIt) {
  const std::string path = "/dev/shm/evbus-metrics." + sid_ + ".1";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  const std::string junk(metrics_layout::FileSize(1), 'x');
  ASSERT_EQ(::write(fd, junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  ::close(fd);
  auto r = ReadStreamMetrics(sid_);
  ::unlink(path.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  EXPECT_NE(r.status().message().find(path), std::string::npos);
}

TEST_F(StreamMetricsShmTest, RejectsInvalidStreamName) {
  auto r = ReadStreamMetrics("bad/name");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace evbus
