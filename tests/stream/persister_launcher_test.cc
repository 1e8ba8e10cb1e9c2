// EnsurePersister and WaitDurable (stream/persister_launcher.h) with real
// evbus_persister processes: exactly one persister however many processes
// ask at once, durable after WaitDurable, a kill -9'd persister replaced
// with nothing committed lost, and the exit once the last user is gone.
#include "stream/persister_launcher.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "persist/store.h"
#include "persist/store_paths.h"
#include "persist/stream_users.h"
#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"
#include "tests/testutil/child_process.h"

namespace evbus {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::TempDir;
using testing::UniqueSession;
using testing::WaitFor;

const std::string kPersister = std::string(EVBUS_BINARY_DIR) + "/evbus_persister";

bool Gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t paren = text.rfind(')');
  return paren == std::string::npos || (paren + 2 < text.size() && text[paren + 2] == 'Z');
}

// Processes whose command line runs evbus_persister for `session`.
std::vector<pid_t> PersistersOf(const std::string& session) {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  while (dirent* entry = proc != nullptr ? ::readdir(proc) : nullptr) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0 || Gone(pid)) continue;
    std::ifstream file(std::string("/proc/") + entry->d_name + "/cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::vector<std::string> args;
    std::stringstream parts(cmdline);
    for (std::string arg; std::getline(parts, arg, '\0');) args.push_back(arg);
    if (args.size() < 5 || args[0].find("evbus_persister") == std::string::npos) continue;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      if (args[i] == "--session" && args[i + 1] == session) pids.push_back(pid);
    }
  }
  if (proc != nullptr) ::closedir(proc);
  return pids;
}

void StopPersister(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  EXPECT_TRUE(WaitFor([&] { return Gone(pid); }, seconds(20)));
}

class PersisterLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kPersister.c_str(), X_OK), 0) << "build the evbus_persister target first";
    sid_ = UniqueSession("launch");
    EventStreamOptions options;
    options.store_root = tmp_.path();
    options.capacity = 1 << 20;
    options.max_event_size = 1 << 16;
    options.index_slots = 1 << 12;
    auto stream = EventStream::Open(sid_, options);
    ASSERT_TRUE(stream.ok()) << stream.status().ToString();
    stream_ = std::move(*stream);
  }
  void TearDown() override {
    if (stream_) (void)stream_->Close();
    for (pid_t pid : PersistersOf(sid_)) StopPersister(pid);
    testing::DestroyStream(sid_);
  }
  PersisterLaunch Launch(milliseconds idle = milliseconds(0)) const {
    PersisterLaunch launch;
    launch.root = tmp_.path();
    launch.session_id = sid_;
    launch.executable = kPersister;
    launch.exit_when_idle = idle;
    return launch;
  }
  std::int64_t Add(const std::string& text) {
    Event event = testing::MessageAction(text);
    auto id = stream_->AddEvent(&event, Source::kUser);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : -1;
  }

  TempDir tmp_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
};

TEST_F(PersisterLauncherTest, ManyProcessesAtOnceStartExactlyOnePersister) {
  constexpr int kProcs = 6;
  const std::string proc = std::string(EVBUS_BINARY_DIR) + "/ensure_persister_proc";
  std::vector<std::unique_ptr<testutil::ChildProcess>> children;
  for (int i = 0; i < kProcs; ++i) {
    children.push_back(std::make_unique<testutil::ChildProcess>());
    ASSERT_TRUE(children.back()->Start({proc, tmp_.path(), sid_, kPersister, "0"}));
  }
  std::vector<pid_t> reported;
  int started = 0;
  for (auto& child : children) {
    std::string line;
    ASSERT_TRUE(child->ReadLine(&line, seconds(40)));
    int pid = 0, by_me = 0;
    ASSERT_EQ(std::sscanf(line.c_str(), "ok %d %d", &pid, &by_me), 2) << line;
    reported.push_back(pid);
    started += by_me;
  }
  for (pid_t pid : reported) EXPECT_EQ(pid, reported[0]);
  EXPECT_LE(started, 1);  // a loser's own persister exited 3: the winner is reported
  EXPECT_EQ(LivePersister(stream_->segment()), reported[0]);
  auto dir = persist::EvbusDir(tmp_.path(), sid_, "");
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(persist::StoreLockHolder(*dir), reported[0]);
  // The losers have exited (bounded: each sees the LOCK at once).
  ASSERT_TRUE(WaitFor([&] { return PersistersOf(sid_).size() == 1; }, seconds(20)));
  EXPECT_EQ(PersistersOf(sid_), std::vector<pid_t>{reported[0]});
}

TEST_F(PersisterLauncherTest, AddedEventIsInTheStoreAfterWaitDurable) {
  auto lease = EnsurePersister(Launch());
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_TRUE(lease->started);
  const std::int64_t id = Add("durable one");
  ASSERT_TRUE(WaitDurable(*stream_, id, seconds(10)).ok());
  auto store = persist::Store::Open(tmp_.path(), sid_);  // a fresh reader of the files
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto event = (*store)->GetEvent(id);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->message, "durable one");
  // A second call finds it running and returns at once.
  auto again = EnsurePersister(Launch());
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->started);
  EXPECT_EQ(again->persister_pid, lease->persister_pid);
}

TEST_F(PersisterLauncherTest, PersisterOfAnotherRootIsRefused) {
  auto lease = EnsurePersister(Launch());
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  TempDir other;
  PersisterLaunch elsewhere = Launch();
  elsewhere.root = other.path();
  auto refused = EnsurePersister(elsewhere);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("another root"), std::string::npos)
      << refused.status().message();
}

TEST_F(PersisterLauncherTest, WaitDurableWithoutPersisterSaysSoAtOnce) {
  const std::int64_t id = Add("nobody stores me");
  const Status s = WaitDurable(*stream_, id, seconds(10));
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("no persister"), std::string::npos) << s.message();
  EXPECT_EQ(WaitDurable(*stream_, id + 5, seconds(1)).code(), Status::Code::kInvalidArgument);
}

TEST_F(PersisterLauncherTest, KilledPersisterIsReplacedAndNothingCommittedIsLost) {
  auto first = EnsurePersister(Launch());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::int64_t last = -1;
  for (int i = 0; i < 50; ++i) last = Add("before " + std::to_string(i));
  ASSERT_TRUE(WaitDurable(*stream_, last, seconds(10)).ok());
  ASSERT_EQ(::kill(first->persister_pid, SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] { return Gone(first->persister_pid); }, seconds(10)));
  for (int i = 0; i < 50; ++i) last = Add("after " + std::to_string(i));
  const Status stalled = WaitDurable(*stream_, last, milliseconds(50));
  EXPECT_EQ(stalled.code(), Status::Code::kTimedOut);
  EXPECT_NE(
      stalled.message().find("(pid " + std::to_string(first->persister_pid) + ", not running)"),
      std::string::npos)
      << stalled.message();
  auto second = EnsurePersister(Launch());
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->started);
  EXPECT_NE(second->persister_pid, first->persister_pid);
  ASSERT_TRUE(WaitDurable(*stream_, last, seconds(10)).ok());
  auto store = persist::Store::Open(tmp_.path(), sid_);
  ASSERT_TRUE(store.ok());
  auto all = (*store)->SearchEvents(persist::SearchQuery());
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 100u);
  for (std::size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].id, static_cast<std::int64_t>(i));
    EXPECT_EQ((*all)[i].message, (i < 50 ? "before " : "after ") + std::to_string(i % 50));
  }
}

std::string ReadFileText(const std::string& path) {
  std::string text;
  EXPECT_TRUE(Env::Default()->ReadFile(path, &text).ok()) << path;
  return text;
}

TEST_F(PersisterLauncherTest, OpenHandsFilesAreWholeAfterAKill9AndARestart) {
  PersisterLaunch launch = Launch();
  launch.openhands_layout = true;
  auto first = EnsurePersister(launch);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::int64_t last = -1;
  for (int i = 0; i < 40; ++i) last = Add("first " + std::to_string(i));
  ASSERT_TRUE(WaitDurable(*stream_, last, seconds(10)).ok());
  ASSERT_EQ(::kill(first->persister_pid, SIGKILL), 0);
  ASSERT_TRUE(WaitFor([&] { return Gone(first->persister_pid); }, seconds(10)));
  for (int i = 0; i < 20; ++i) last = Add("second " + std::to_string(i));
  auto second = EnsurePersister(launch);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const Status durable = WaitDurable(*stream_, last, seconds(10));
  const std::string dir = tmp_.path() + "/sessions/" + sid_;
  ASSERT_TRUE(durable.ok()) << durable.ToString() << "\n" << ReadFileText(second->log_path);
  // The page 25-50 spans the kill: written by the second persister from
  // the first one's files and its own events.
  for (const std::int64_t start : {0, 25}) {
    std::string page = "[";
    for (std::int64_t id = start; id < start + 25; ++id) {
      page +=
          (id == start ? "" : ", ") + ReadFileText(dir + "/events/" + std::to_string(id) + ".json");
    }
    page += "]";
    const std::string name = std::to_string(start) + "-" + std::to_string(start + 25) + ".json";
    EXPECT_EQ(ReadFileText(dir + "/event_cache/" + name), page) << name;
  }
  EXPECT_FALSE(Env::Default()->FileExists(dir + "/event_cache/50-75.json"));
  EXPECT_NE(ReadFileText(dir + "/events/59.json").find("\"message\": \"second 19\""),
            std::string::npos);
  EXPECT_FALSE(Env::Default()->FileExists(dir + "/events/60.json"));
}

TEST_F(PersisterLauncherTest, PersisterExitsOnceTheLastUserHasClosedTheStream) {
  auto lease = EnsurePersister(Launch(milliseconds(200)));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  const pid_t pid = lease->persister_pid;
  const std::int64_t id = Add("last words");
  ASSERT_TRUE(WaitDurable(*stream_, id, seconds(10)).ok());
  ASSERT_TRUE(stream_->Close().ok());
  // Closed, but the lease is still held: the persister stays (well past
  // its idle period).
  EXPECT_FALSE(WaitFor([&] { return Gone(pid); }, milliseconds(1000)));
  lease->users.Release();
  EXPECT_TRUE(WaitFor([&] { return Gone(pid); }, seconds(20)));
  auto store = persist::Store::Open(tmp_.path(), sid_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetLatestEventId(), id);
}

TEST_F(PersisterLauncherTest, PersisterExitsWhenIdleAfterItsStoreDirectoryWasRemoved) {
  TempDir root;  // removed below while the persister runs
  PersisterLaunch launch = Launch(milliseconds(200));
  launch.root = root.path() + "/store";
  // The stream again, with its store under that root.
  stream_.reset();
  testing::DestroyStream(sid_);
  EventStreamOptions options;
  options.store_root = launch.root;
  options.capacity = 1 << 20;
  options.max_event_size = 1 << 16;
  options.index_slots = 1 << 12;
  auto stream = EventStream::Open(sid_, options);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  stream_ = std::move(*stream);
  auto lease = EnsurePersister(launch);
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  const pid_t pid = lease->persister_pid;
  ASSERT_TRUE(stream_->Close().ok());
  lease->users.Release();
  // As a test's temporary store goes (nothing was added: the persister has
  // nothing to write there, it only has to notice it may go).
  std::filesystem::remove_all(launch.root);
  EXPECT_TRUE(WaitFor([&] { return Gone(pid); }, seconds(10)));
}

}  // namespace
}  // namespace evbus
