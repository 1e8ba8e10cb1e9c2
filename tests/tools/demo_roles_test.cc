// The runtime role of `evbus demo` (tools/evbus/demo_roles.cc) in a real
// child process, fed a ring record whose header no publisher writes (type
// 977): it reports the record with its id and why on stderr, skips it, and
// answers every run action that follows. Before, it looked the type up in
// the registry unchecked (an assert in Debug, a read past the table in
// release).
#include "tools/evbus/demo_roles.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "base/temp_dir.h"
#include "core/redactor.h"
#include "shm/event_publish.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "stream/shared_secrets.h"
#include "tests/testutil/assign_to.h"

namespace evbus::cli {
namespace {

class DemoRolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    target_.stream = "demo-roles-test-" + std::to_string(::getpid());
    shm::SegmentOptions options;
    options.data_capacity = 4 << 20;
    options.index_slots = 4096;
    options.max_record_size = 64 << 10;
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(target_.stream, "", options))
            .ok());
    ASSERT_TRUE(
        ::evbus::testutil::AssignTo(&producer_, shm::Producer::Attach(segment_.get(), "test"))
            .ok());
  }
  void TearDown() override {
    if (runtime_ > 0) {
      ::kill(runtime_, SIGKILL);
      ::waitpid(runtime_, nullptr, 0);
    }
    producer_.reset();
    segment_.reset();
    (void)shm::Segment::Remove(target_.stream, "");
    (void)SharedSecrets::Remove(target_.stream, "");
  }

  // Starts the runtime role in a child, its stderr in `stderr_path`, and
  // waits (deadline 30 s) until it is attached.
  void StartRuntime(const std::string& stderr_path) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    runtime_ = ::fork();
    ASSERT_GE(runtime_, 0);
    if (runtime_ == 0) {
      ::close(ready[0]);
      std::FILE* err = std::freopen(stderr_path.c_str(), "w", stderr);
      if (err == nullptr) std::_Exit(126);
      std::setvbuf(stderr, nullptr, _IONBF, 0);
      std::_Exit(RunDemoRuntime(target_, ready[1]));
    }
    ::close(ready[1]);
    pollfd p{ready[0], POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 30'000), 1) << "the runtime did not attach within 30 s";
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    ::close(ready[0]);
  }

  // Waits (deadline 60 s) for the runtime to exit; its exit code, or -1.
  int WaitRuntime() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      const pid_t r = ::waitpid(runtime_, &status, WNOHANG);
      if (r == runtime_) {
        runtime_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      ::poll(nullptr, 0, 5);  // the child runs on its own; nothing here to wait on
    }
    return -1;
  }

  void PublishRunAction(Source source) {
    auto event = ParseEvent(R"({"action":"run","args":{"command":"ls"}})");
    ASSERT_TRUE(event.ok());
    PublishOptions options;
    options.source = source;
    std::string scratch;
    ASSERT_TRUE(PublishEvent(*producer_, Redactor(), options, &*event, &scratch).ok());
  }

  StreamTarget target_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<shm::Producer> producer_;
  pid_t runtime_ = -1;
};

TEST_F(DemoRolesTest, RuntimeReportsAndSkipsARecordWhoseHeaderNoEventHas) {
  TempDir tmp("evbus_demo_roles");
  const std::string stderr_path = tmp.path() + "/runtime.err";
  StartRuntime(stderr_path);
  Event run = ParseEvent(R"({"action":"run","args":{"command":"ls"}})").value();
  shm::RecordMeta bad = RecordMetaFor(run);
  bad.type = 977;
  std::uint64_t id = 0;
  ASSERT_TRUE(producer_->Publish(bad, EventToJson(run), 1'000'000'000, &id).ok());
  ASSERT_EQ(id, 0u);
  for (int i = 0; i < kDemoRunActions; ++i) PublishRunAction(Source::kAgent);
  EXPECT_EQ(WaitRuntime(), kExitOk);
  std::ifstream in(stderr_path);
  std::stringstream err;
  err << in.rdbuf();
  EXPECT_NE(err.str().find("ring record 0 has event type 977"), std::string::npos) << err.str();
}

}  // namespace
}  // namespace evbus::cli
