#include "tools/evbus/bench_ipc_procs.h"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include <cerrno>

namespace evbus::cli {

SharedMemory::SharedMemory(std::size_t bytes)
    : memory_(::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)),
      bytes_(bytes) {
  if (memory_ == MAP_FAILED) memory_ = nullptr;
}

SharedMemory::~SharedMemory() {
  if (memory_ != nullptr) ::munmap(memory_, bytes_);
}

bool PinChild(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::sched_setaffinity(0, sizeof(set), &set) == 0;
}

bool SpinUntilAtLeast(const std::atomic<int>& counter, int want, std::int64_t deadline_ns) {
  for (int i = 0;; ++i) {
    // SYNC POINT READ: bench_ipc.done (the children's results are visible)
    if (counter.load(std::memory_order_acquire) >= want) return true;
    if ((i & 255) == 255) {
      if (shm::MonotonicNanos() > deadline_ns) return false;
      shm::YieldThread();  // the parent shares CPU A with the senders
    }
    shm::CpuRelax();
  }
}

bool SleepUntilAtLeast(const std::atomic<int>& counter, int want, std::int64_t deadline_ns) {
  // SYNC POINT READ: bench_ipc.done (the children's results are visible)
  while (counter.load(std::memory_order_acquire) < want) {
    if (shm::MonotonicNanos() > deadline_ns) return false;
    SleepNanos(50'000);
  }
  return true;
}

bool ReapChildren(const std::vector<pid_t>& pids, std::int64_t deadline_ns) {
  bool all_ok = true;
  for (pid_t pid : pids) {
    int status = 0;
    pid_t got = 0;
    while ((got = ::waitpid(pid, &status, WNOHANG)) == 0 && shm::MonotonicNanos() < deadline_ns) {
      SleepNanos(1'000'000);
    }
    if (got == 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      all_ok = false;
      continue;
    }
    all_ok = all_ok && got == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return all_ok;
}

void KillChildren(const std::vector<pid_t>& pids) {
  for (pid_t pid : pids) ::kill(pid, SIGKILL);
  for (pid_t pid : pids) ::waitpid(pid, nullptr, 0);
}

void SleepNanos(std::int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

SendBudget FlowBudget(const IpcConfig& config, int payload) {
  SendBudget budget;
  budget.timed_ns = config.time_per_run.count();
  budget.warm_ns = budget.timed_ns / 4;
  budget.warm_messages = kIpcFlowRingBytes / static_cast<std::uint64_t>(payload);
  return budget;
}

std::string IpcStreamName(const std::string& tag) {
  return "evbus-bench-ipc-" + std::to_string(::getpid()) + "-" + tag;
}

}  // namespace evbus::cli
