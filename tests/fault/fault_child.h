// FaultChild: one helper process of a torture scenario, started with
// fork+exec, its stdout on a pipe and its stderr in a log file, killed with
// real signals and reaped within deadlines (no sleeps).
//
// The destructor SIGKILLs and reaps a child that still runs, so a scenario
// that fails early leaves no process behind.
#ifndef EVBUS_TESTS_FAULT_FAULT_CHILD_H_
#define EVBUS_TESTS_FAULT_FAULT_CHILD_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace evbus::torture {

using Clock = std::chrono::steady_clock;

class FaultChild {
 public:
  FaultChild() = default;
  FaultChild(const FaultChild&) = delete;
  FaultChild& operator=(const FaultChild&) = delete;
  ~FaultChild() {
    if (running()) {
      ::kill(pid_, SIGCONT);
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
  }

  // Starts argv (argv[0] is a path); stderr is appended to `stderr_path`
  // ("" = /dev/null). False if pipe or fork failed.
  bool Start(const std::vector<std::string>& argv, const std::string& stderr_path = "") {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const char* err = stderr_path.empty() ? "/dev/null" : stderr_path.c_str();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      ::dup2(fds[1], STDOUT_FILENO);
      const int e = ::open(err, O_WRONLY | O_CREAT | O_APPEND, 0600);
      if (e >= 0) ::dup2(e, STDERR_FILENO);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_fd_ = fds[0];
    exited_ = false;
    return true;
  }

  // One line of the child's stdout, waiting at most `timeout`.
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

  void Signal(int signal) const {
    if (running()) ::kill(pid_, signal);
  }

  // Waits for the child to exit (1 ms polls) until `timeout`; *status is
  // waitpid's. False if it still runs.
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

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_FAULT_CHILD_H_
