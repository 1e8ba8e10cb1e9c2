// Helpers of the end-to-end tests of the `evbus` executable: run the real
// binary (fork/exec) with stdin from a file and stdout/stderr to files in a
// test's directory, wait for it and read back what it wrote.
//
// Run number `n` uses the files in<n>, out<n> and err<n> of that directory.
//
// CliFixture: the base fixture of those tests (a stream and a directory of
// the test's own, `evbus persist` in the background on request).
#ifndef EVBUS_TESTS_TOOLS_CLI_TEST_UTIL_H_
#define EVBUS_TESTS_TOOLS_CLI_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "base/temp_dir.h"
#include "stream/shared_secrets.h"

namespace evbus::testutil {

// The evbus executable built beside the tests.
inline const std::string kEvbus = std::string(EVBUS_BINARY_DIR) + "/evbus";

// Exit code (-1 if it did not exit normally), stdout and stderr of one run.
struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

// The whole file; "" if it cannot be read.
inline std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// `text` split at newlines, without them.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Starts evbus with `args`, `stdin_text` on stdin (written to dir/in<n>),
// stdout to dir/out<n> and stderr to dir/err<n>, or to `stderr_fd` when that
// is given (e.g. a terminal). Returns the child's pid (-1 if fork failed).
inline pid_t StartEvbus(const std::filesystem::path& dir, const std::vector<std::string>& args,
                        const std::string& stdin_text, int n, int stderr_fd = -1) {
  const std::filesystem::path in = dir / ("in" + std::to_string(n));
  std::ofstream(in, std::ios::binary) << stdin_text;
  const std::string out = (dir / ("out" + std::to_string(n))).string();
  const std::string err = (dir / ("err" + std::to_string(n))).string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::freopen(in.c_str(), "rb", stdin);
    std::freopen(out.c_str(), "wb", stdout);
    if (stderr_fd >= 0) {
      ::dup2(stderr_fd, STDERR_FILENO);
    } else {
      std::freopen(err.c_str(), "wb", stderr);
    }
    std::vector<char*> argv{const_cast<char*>(kEvbus.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(kEvbus.c_str(), argv.data());
    std::_Exit(127);
  }
  return pid;
}

// Waits for run `n` (started by StartEvbus in `dir`) and reads its output.
inline CliResult CollectEvbus(const std::filesystem::path& dir, pid_t pid, int n) {
  CliResult r;
  int status = 0;
  if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  r.out = ReadAll(dir / ("out" + std::to_string(n)));
  r.err = ReadAll(dir / ("err" + std::to_string(n)));
  return r;
}

// A stream of the test's own, stream_ = "<prefix>-<pid>-<n>" (short: a stream
// name is at most 64 characters), a fresh directory dir_ for the runs' files
// and a store root root_ in it. TearDown kills a persister still running,
// destroys the stream and removes its shared secrets.
class CliFixture : public ::testing::Test {
 protected:
  using Result = CliResult;

  explicit CliFixture(std::string_view prefix) : prefix_(prefix) {}

  void SetUp() override {
    ASSERT_EQ(::access(kEvbus.c_str(), X_OK), 0) << kEvbus << " missing: build the evbus target";
    ASSERT_FALSE(dir_.path().empty());
    static int tests_run = 0;
    stream_ = prefix_ + "-" + std::to_string(::getpid()) + "-" + std::to_string(++tests_run);
    root_ = dir_.path() + "/store";
  }

  void TearDown() override {
    StopPersister(SIGKILL);
    Run({"destroy", stream_});
    (void)SharedSecrets::Remove(stream_, "");
  }

  // Starts the binary with `stdin_text` on stdin; stdout/stderr go to files
  // (stderr to `stderr_fd` instead when that is given, e.g. a terminal).
  pid_t Start(const std::vector<std::string>& args, const std::string& stdin_text, int n,
              int stderr_fd = -1) {
    return StartEvbus(dir_.path(), args, stdin_text, n, stderr_fd);
  }

  CliResult Collect(pid_t pid, int n) { return CollectEvbus(dir_.path(), pid, n); }

  CliResult Run(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    const int n = ++runs_;
    return Collect(Start(args, stdin_text, n), n);
  }

  // Starts `evbus persist` (fsync every event) on the stream and returns once
  // `get --latest-id` shows `last_id`; a fatal failure at a deadline.
  void StartPersisterUpTo(long long last_id) {
    persist_n_ = ++runs_;
    persist_pid_ = Start({"persist", stream_, "--root", root_, "--fsync", "every"}, "", persist_n_);
    const std::string want = std::to_string(last_id) + "\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::string latest;
    while (latest != want && std::chrono::steady_clock::now() < deadline) {
      latest = Run({"get", stream_, "--root", root_, "--latest-id"}).out;
      if (latest != want) ::usleep(20'000);  // poll interval, bounded by the deadline
    }
    ASSERT_EQ(latest, want) << "the persister never caught up";
  }

  // Stops the persister (if one runs); after SIGTERM it must exit with 0.
  void StopPersister(int signal = SIGTERM) {
    if (persist_pid_ <= 0) return;
    EXPECT_EQ(::kill(persist_pid_, signal), 0);
    CliResult stopped = Collect(persist_pid_, persist_n_);
    persist_pid_ = -1;
    if (signal == SIGTERM) {
      EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    }
  }

  // The store holds ids up to `last_id` and no persister runs any more.
  void PersistUpTo(long long last_id) {
    ASSERT_NO_FATAL_FAILURE(StartPersisterUpTo(last_id));
    StopPersister();
  }

  const std::string prefix_;
  TempDir dir_{"evbus_cli"};
  std::string stream_;
  std::string root_;
  int runs_ = 0;
  pid_t persist_pid_ = -1;
  int persist_n_ = 0;
};

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TOOLS_CLI_TEST_UTIL_H_
