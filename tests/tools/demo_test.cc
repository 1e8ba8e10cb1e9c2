// `evbus demo` end to end: the whole scene (persister, agent, runtime,
// server, inspector, store summary, secret scans) exits 0, reports no
// secret, and leaves nothing behind; Ctrl-C in the middle cleans up too.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace evbus {
namespace {

const std::string kEvbus = std::string(EVBUS_BINARY_DIR) + "/evbus";

struct Demo {
  pid_t pid = -1;
  int out_fd = -1;  // stdout and stderr together
  std::string out;

  Demo() {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::dup2(fds[1], STDERR_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(kEvbus.c_str(), "evbus", "demo", static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    ::close(fds[1]);
    out_fd = fds[0];
  }

  // Reads until `text` appears, EOF, or a 60 s deadline.
  bool ReadUntil(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    char buf[4096];
    while (text.empty() || out.find(text) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{out_fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::read(out_fd, buf, sizeof buf);
      if (n <= 0) return false;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  int Finish() {
    ReadUntil("");  // to EOF
    ::close(out_fd);
    int status = 0;
    if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
    return WEXITSTATUS(status);
  }

  // "store in /tmp/evbus-demo-XXXXXX/store" -> that directory's parent.
  std::string TempDir() const {
    const auto at = out.find("store in ");
    if (at == std::string::npos) return "";
    const std::string store = out.substr(at + 9, out.find('\n', at) - at - 9);
    return std::filesystem::path(store).parent_path().string();
  }
};

void ExpectNothingLeft(const Demo& demo) {
  const std::string stream = "demo-" + std::to_string(demo.pid);
  EXPECT_FALSE(std::filesystem::exists("/dev/shm/evbus." + stream));
  EXPECT_FALSE(std::filesystem::exists("/dev/shm/evbus-secrets." + stream));
  for (const auto& e : std::filesystem::directory_iterator("/dev/shm")) {
    EXPECT_EQ(e.path().filename().string().find("evbus-metrics." + stream + "."),
              std::string::npos);
  }
  const std::string dir = demo.TempDir();
  ASSERT_FALSE(dir.empty()) << demo.out;
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir;
}

TEST(DemoTest, PlaysTheSceneFindsNoSecretAndCleansUp) {
  ASSERT_EQ(::access(kEvbus.c_str(), X_OK), 0) << kEvbus << " missing: build the evbus target";
  Demo demo;
  ASSERT_GT(demo.pid, 0);
  const int rc = demo.Finish();
  EXPECT_EQ(rc, 0) << demo.out;
  const std::string& out = demo.out;
  EXPECT_NE(out.find("SUBSCRIBERS"), std::string::npos) << out;  // the inspector ran
  EXPECT_NE(out.find("persister alive"), std::string::npos) << out;
  EXPECT_NE(out.find("store: 500 events (ids 0..499, none missing): user 100, agent 200, "
                     "environment 200"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("runtime answered 200 of 200 run actions"), std::string::npos) << out;
  EXPECT_NE(out.find("server received 500 events, each once, in id order"), std::string::npos)
      << out;
  EXPECT_NE(out.find("secret scan: 0 found in the segment"), std::string::npos) << out;
  EXPECT_NE(out.find(", 0 found in the store"), std::string::npos) << out;
  EXPECT_EQ(out.find("ghp_demoToken"), std::string::npos) << out;
  EXPECT_NE(out.find("demo: ok;"), std::string::npos) << out;
  ExpectNothingLeft(demo);
}

TEST(DemoTest, InterruptInTheMiddleCleansUp) {
  Demo demo;
  ASSERT_GT(demo.pid, 0);
  ASSERT_TRUE(demo.ReadUntil("the agent starts")) << demo.out;
  ASSERT_EQ(::kill(demo.pid, SIGINT), 0);
  EXPECT_EQ(demo.Finish(), 130) << demo.out;
  EXPECT_NE(demo.out.find("demo: interrupted;"), std::string::npos) << demo.out;
  ExpectNothingLeft(demo);
}

}  // namespace
}  // namespace evbus
