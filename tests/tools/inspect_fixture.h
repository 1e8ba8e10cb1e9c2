// The fixture of the `evbus inspect` tests: a segment of its own per test,
// put in a known state on request (a producer with a claim in flight, a
// durable "persister" that read 7 of 10 events, a caught-up "server"), and
// helpers that run the real binary with stdout on a pipe.
#ifndef EVBUS_TESTS_TOOLS_INSPECT_FIXTURE_H_
#define EVBUS_TESTS_TOOLS_INSPECT_FIXTURE_H_

#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "core/event.h"
#include "core/redactor.h"
#include "shm/event_publish.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "shm/stats.h"
#include "shm/subscriber.h"
#include "tests/testutil/assign_to.h"
#include "tests/tools/cli_test_util.h"

namespace evbus::inspect_test {

using testutil::kEvbus;
inline constexpr char kSecret[] = "s3cr3t-token-XYZ-123";
inline constexpr int kPublished = 10;
inline constexpr int kPersisterRead = 7;

// The pause hook parks the producer between claim and commit until released.
inline std::promise<std::uint64_t>* g_claimed = nullptr;
inline std::shared_future<void>* g_release = nullptr;
inline void ParkAfterClaim(std::uint64_t id) {
  g_claimed->set_value(id);
  g_release->wait();
}

using Output = testutil::CliResult;

class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kEvbus.c_str(), X_OK), 0) << kEvbus << " missing: build the evbus target";
    static int tests = 0;  // names stay short: stream names are at most 64 characters
    stream_ = "inspect-test-" + std::to_string(::getpid()) + "-" + std::to_string(++tests);
    shm::SegmentOptions options;
    options.data_capacity = 1 << 20;
    options.max_record_size = 64 << 10;
    options.index_slots = 1024;
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(stream_, "", options)).ok());
  }

  void TearDown() override {
    Release();
    persister_.reset();
    server_.reset();
    producer_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }

  // Ten events (every second one from the user, the last carrying the
  // secret), a durable "persister" that read 7, a "server" that read all,
  // and id 10 claimed but not committed.
  void MakeKnownState() {
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "agent"))
            .ok());
    ASSERT_TRUE(redactor_.SetSecrets({{"token", kSecret}}).ok());
    std::string scratch;
    for (int i = 0; i < kPublished; ++i) {
      auto event = ParseEvent(R"({"action":"message","args":{"content":"hi"}})");
      ASSERT_TRUE(event.ok());
      event->message = "message " + std::to_string(i) + (i == 9 ? std::string(" ") + kSecret : "");
      PublishOptions po;
      po.source = i % 2 == 0 ? Source::kUser : Source::kAgent;
      ASSERT_TRUE(PublishEvent(*producer_, redactor_, po, &*event, &scratch).ok());
    }
    shm::SubscriberOptions durable{"persister", true};
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&persister_, shm::Subscriber::Attach(segment_.get(), durable))
            .ok());
    shm::Record rec;
    for (int i = 0; i < kPersisterRead; ++i) {
      ASSERT_EQ(persister_->TryRead(&rec), shm::ReadStatus::kRecord);
    }
    shm::SubscriberOptions live{"server", false};
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&server_, shm::Subscriber::Attach(segment_.get(), live)).ok());
    for (int i = 0; i < kPublished; ++i)
      ASSERT_EQ(server_->TryRead(&rec), shm::ReadStatus::kRecord);
    ASSERT_EQ(server_->TryRead(&rec), shm::ReadStatus::kEmpty);  // publishes its cursor
    ParkOneClaim();
  }

  void ParkOneClaim() {
    std::promise<std::uint64_t> claimed;
    release_future_ = release_.get_future().share();
    g_claimed = &claimed;
    g_release = &release_future_;
    shm::testing::SetPauseAfterClaimHook(ParkAfterClaim);
    parked_ = std::thread([this] {
      auto event = ParseEvent(R"({"action":"message","args":{"content":"late"}})");
      std::string scratch;
      PublishOptions po;
      po.source = Source::kAgent;
      (void)PublishEvent(*producer_, redactor_, po, &*event, &scratch);
    });
    auto got = claimed.get_future();
    ASSERT_EQ(got.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    ASSERT_EQ(got.get(), static_cast<std::uint64_t>(kPublished));
    shm::testing::SetPauseAfterClaimHook(nullptr);
  }

  void Release() {
    if (!parked_.joinable()) return;
    release_.set_value();
    parked_.join();
  }

  // Runs the binary; stdout to a pipe (returned fd) or a file, stderr to a file.
  pid_t Start(const std::vector<std::string>& args, int* stdout_fd) {
    int fds[2];
    if (::pipe(fds) != 0) return -1;
    const std::string err = dir_.path() + "/err" + std::to_string(++runs_);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      if (std::freopen(err.c_str(), "wb", stderr) == nullptr) std::_Exit(126);
      std::vector<char*> argv{const_cast<char*>(kEvbus.c_str())};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(kEvbus.c_str(), argv.data());
      std::_Exit(127);
    }
    ::close(fds[1]);
    *stdout_fd = fds[0];
    return pid;
  }

  // Reads from `fd` until `done(text)` or EOF or a 30 s deadline.
  template <typename Done>
  static bool ReadUntil(int fd, std::string* text, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    char buf[4096];
    while (!done(*text)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return false;  // EOF
      text->append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  Output Finish(pid_t pid, int fd, std::string out) {
    Output r;
    ReadUntil(fd, &out, [](const std::string&) { return false; });  // to EOF
    ::close(fd);
    int status = 0;
    if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = std::move(out);
    std::ifstream in(dir_.path() + "/err" + std::to_string(runs_));
    r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
  }

  Output Run(const std::vector<std::string>& args) {
    int fd = -1;
    pid_t pid = Start(args, &fd);
    return Finish(pid, fd, "");
  }

  std::string stream_;
  std::unique_ptr<shm::Segment> segment_;
  Redactor redactor_;
  std::unique_ptr<shm::Producer> producer_;
  std::unique_ptr<shm::Subscriber> persister_, server_;
  std::promise<void> release_;
  std::shared_future<void> release_future_;
  std::thread parked_;
  evbus::TempDir dir_{"evbus_inspect_test"};
  int runs_ = 0;
};

inline const rapidjson::Value& Member(const rapidjson::Value& v, const char* name) {
  static const rapidjson::Value kNull;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? kNull : it->value;
}
}  // namespace evbus::inspect_test

#endif  // EVBUS_TESTS_TOOLS_INSPECT_FIXTURE_H_
