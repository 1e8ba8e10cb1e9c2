// Helpers of the end-to-end tests of the `evbus` executable: run the real
// binary (fork/exec) with stdin from a file and stdout/stderr to files in a
// test's directory, wait for it and read back what it wrote.
//
// Run number `n` uses the files in<n>, out<n> and err<n> of that directory.
#ifndef EVBUS_TESTS_TOOLS_CLI_TEST_UTIL_H_
#define EVBUS_TESTS_TOOLS_CLI_TEST_UTIL_H_

#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

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

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TOOLS_CLI_TEST_UTIL_H_
