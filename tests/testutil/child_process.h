// ChildProcess: fork+exec of a helper executable for multi-process tests,
// with its stdout on a pipe, its stderr inherited or sent to a file, and
// reads and waits bounded by deadlines (no sleeps).
//
// The destructor SIGKILLs and reaps a child that is still running, so a
// failing test leaves no process behind.
#ifndef EVBUS_TESTS_TESTUTIL_CHILD_PROCESS_H_
#define EVBUS_TESTS_TESTUTIL_CHILD_PROCESS_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace evbus::testutil {

class ChildProcess {
 public:
  using Clock = std::chrono::steady_clock;

  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }

  // Starts argv[0] with argv; its stderr is appended to `stderr_path`, or
  // inherited when that is null. False if pipe or fork failed.
  bool Start(const std::vector<std::string>& argv, const char* stderr_path = nullptr) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {  // child: only async-signal-safe calls until exec
      ::dup2(fds[1], STDOUT_FILENO);
      if (stderr_path != nullptr) {
        const int e = ::open(stderr_path, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (e >= 0) ::dup2(e, STDERR_FILENO);
      }
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
    exited_ = false;
    return true;
  }

  // Reads one line of the child's stdout, waiting at most `timeout`.
  bool ReadLine(std::string* line, std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
      const std::size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        *line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return false;
      pollfd p{out_fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count()) + 1) <= 0) continue;
      char chunk[512];
      const ssize_t n = ::read(out_fd_, chunk, sizeof(chunk));
      if (n <= 0) return false;  // EOF: the child closed stdout or died
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Reads lines until one starts with `prefix`; false on timeout or EOF.
  bool ReadLineStartingWith(const std::string& prefix, std::string* line,
                            std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (!ReadLine(line, left)) return false;
      if (line->rfind(prefix, 0) == 0) return true;
    }
    return false;
  }

  void Kill(int signal) const {
    if (running()) ::kill(pid_, signal);
  }

  // Waits for the child to exit, polling with 1 ms waits until `timeout`.
  // Returns false if it is still running then; *status is waitpid's status.
  bool Wait(int* status, std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
      const pid_t r = ::waitpid(pid_, status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return true;
      }
      if (r < 0 || Clock::now() > deadline) return false;
      timespec ts{0, 1'000'000};
      ::nanosleep(&ts, nullptr);
    }
  }

  // SIGKILL and reap; true if it died of that signal (or had exited).
  bool KillAndReap() {
    if (!running()) return true;
    ::kill(pid_, SIGKILL);
    int status = 0;
    if (!Wait(&status, std::chrono::seconds(30))) return false;
    return WIFSIGNALED(status) || WIFEXITED(status);
  }

  bool running() const { return pid_ > 0 && !exited_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  bool exited_ = false;
  std::string buffer_;
};

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TESTUTIL_CHILD_PROCESS_H_
