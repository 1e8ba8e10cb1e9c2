// Futex system calls on shared (not process-private) words.
#include "shm/wait.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <ctime>

#include "shm/fence.h"

namespace evbus::shm {

std::int64_t MonotonicNanos() noexcept {
  struct timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void FutexWait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
               std::int64_t timeout_ns) noexcept {
  struct timespec ts;
  struct timespec* tsp = nullptr;
  if (timeout_ns >= 0) {
    ts.tv_sec = static_cast<time_t>(timeout_ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(timeout_ns % 1'000'000'000);
    tsp = &ts;
  }
  // FUTEX_WAIT without FUTEX_PRIVATE_FLAG: the word is in a shared mapping
  // and the waker may be another process. The timeout is relative.
  ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), FUTEX_WAIT, expected, tsp,
            nullptr, 0);
}

void FutexWakeAll(const std::atomic<std::uint32_t>* word) noexcept {
  ::syscall(SYS_futex, reinterpret_cast<const std::uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr,
            nullptr, 0);
}

void WakeIfWaiting(std::atomic<std::uint32_t>* seq, const std::atomic<std::uint32_t>* waiters,
                   std::atomic<std::uint64_t>* wake_calls) noexcept {
  // Pairs with the waiter's seq_cst registration (wait.h invariant 1).
  ThreadFence(std::memory_order_seq_cst);
  if (waiters->load(std::memory_order_relaxed) == 0) return;
  seq->fetch_add(1, std::memory_order_release);
  FutexWakeAll(seq);
  wake_calls->fetch_add(1, std::memory_order_relaxed);
}

void CpuRelax() noexcept {
#if defined(__x86_64__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

void YieldThread() noexcept { ::sched_yield(); }

}  // namespace evbus::shm
