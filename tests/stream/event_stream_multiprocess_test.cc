// EventStream across processes: agent, runtime and server processes adding
// and subscribing at once; secrets set in one process redacting events
// published by another, without ever entering the segment.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

const std::string kPeer = std::string(EVBUS_BINARY_DIR) + "/stream_peer_proc";

pid_t Spawn(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(kPeer.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kPeer.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// The exit code, or -1 (and the child killed) after `seconds`.
int WaitExit(pid_t pid, int seconds = 90) {
  int status = 0;
  const bool exited = testing::WaitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; },
                                       std::chrono::seconds(seconds));
  if (!exited) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class EventStreamMultiProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sid_ = testing::UniqueSession("mp");
    EventStreamOptions options;
    options.store_root = root_.path();
    options.capacity = 4u << 20;  // small enough to scan for the secret
    options.index_slots = 4096;
    auto s = EventStream::Open(sid_, options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stream_ = std::move(*s);
  }
  void TearDown() override {
    (void)stream_->Close();
    testing::DestroyStream(sid_);
  }

  testing::TempDir root_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
};

// Each peer subscribes with `dispatch` (shared dispatcher or direct readers).
void RunThreePeers(const std::string& root, const std::string& sid, const std::string& dispatch,
                   int each) {
  ASSERT_EQ(::access(kPeer.c_str(), X_OK), 0) << "build the stream_peer_proc target: " << kPeer;
  std::vector<pid_t> pids;
  for (const char* role : {"agent", "runtime", "server"}) {
    pids.push_back(
        Spawn({"peer", root, sid, role, std::to_string(each), std::to_string(3 * each), dispatch}));
  }
  for (pid_t pid : pids) EXPECT_EQ(WaitExit(pid), 0) << dispatch;
}

TEST_F(EventStreamMultiProcessTest, AgentRuntimeAndServerEachSeeEveryEventOnceInIdOrder) {
  constexpr int kEach = 400;
  RunThreePeers(root_.path(), sid_, "shared", kEach);
  EXPECT_EQ(stream_->GetLatestEventId(), 3 * kEach - 1);
  auto all = stream_->SearchEvents(persist::SearchQuery{});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), static_cast<std::size_t>(3 * kEach));
  for (int i = 0; i < 3 * kEach; ++i) EXPECT_EQ((*all)[static_cast<std::size_t>(i)].id, i);
}

TEST_F(EventStreamMultiProcessTest, DirectReadersInThreeProcessesEachSeeEveryEventOnceInIdOrder) {
  constexpr int kEach = 400;
  RunThreePeers(root_.path(), sid_, "direct", kEach);
  EXPECT_EQ(stream_->GetLatestEventId(), 3 * kEach - 1);
}

TEST_F(EventStreamMultiProcessTest, SecretsSetInOneProcessRedactEventsPublishedByAnother) {
  const std::string secret = "tok-" + std::to_string(::getpid()) + "-s3cr3t";
  const std::string flag = root_.path() + "/go";
  // A publisher that is already running (its redactor built) when the set changes.
  pid_t publisher = Spawn({"publish", root_.path(), sid_, flag, "curl -H 'Bearer " + secret + "'"});
  ASSERT_TRUE(testing::WaitFor([&] { return stream_->GetLatestEventId() == 0; }));
  // The set comes from a third process.
  ASSERT_EQ(WaitExit(Spawn({"set-secrets", root_.path(), sid_, "github_token", secret})), 0);
  { std::ofstream(flag) << "go"; }
  ASSERT_EQ(WaitExit(publisher), 0);
  auto after = stream_->GetEvent(1);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->content, "curl -H 'Bearer <secret_hidden>'");
  // This process publishes with the new set too.
  Event mine = testing::NullObservation("mine " + secret);
  ASSERT_TRUE(stream_->AddEvent(&mine, Source::kAgent).ok());
  EXPECT_EQ(stream_->GetEvent(2)->content, "mine <secret_hidden>");
  // The secret is in the owner-only file outside the segment, never in it.
  const std::string file = SharedSecrets::PathFor(sid_, "");
  struct stat st {};
  ASSERT_EQ(::stat(file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(ReadAll(file).find(secret), std::string::npos);
  const std::string segment = ReadAll("/dev/shm/" + stream_->segment().shm_name());
  ASSERT_FALSE(segment.empty());
  EXPECT_EQ(segment.find(secret), std::string::npos);
  EXPECT_GE(stream_->segment().header().secrets_generation.load(), 1u);
}

TEST_F(EventStreamMultiProcessTest, UpdateSecretsMergesWhileSetSecretsReplaces) {
  ASSERT_TRUE(stream_->SetSecrets({{"a", "alpha-secret"}}).ok());
  ASSERT_TRUE(stream_->UpdateSecrets({{"b", "beta-secret"}}).ok());
  Event both = testing::NullObservation("alpha-secret beta-secret");
  ASSERT_TRUE(stream_->AddEvent(&both, Source::kAgent).ok());
  EXPECT_EQ(stream_->GetEvent(both.id)->content, "<secret_hidden> <secret_hidden>");
  ASSERT_TRUE(stream_->SetSecrets({{"b", "beta-secret"}}).ok());
  Event only_b = testing::NullObservation("alpha-secret beta-secret");
  ASSERT_TRUE(stream_->AddEvent(&only_b, Source::kAgent).ok());
  EXPECT_EQ(stream_->GetEvent(only_b.id)->content, "alpha-secret <secret_hidden>");
  EXPECT_EQ(both.content, "alpha-secret beta-secret");  // the caller's event is not redacted
}

}  // namespace
}  // namespace evbus
