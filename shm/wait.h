// Waiting on a futex word that lives in shared memory (cross-process: no
// FUTEX_PRIVATE_FLAG), and the three strategies a subscriber can choose.
//
// Thread safety: any thread of any process.
// Invariants:
//   1. A waiter registers (waiters += 1, seq_cst) before it re-checks its
//      condition and sleeps; a waker publishes its change, issues a seq_cst
//      fence, and wakes only if it then sees waiters != 0. One of the two
//      always sees the other (store-buffering with seq_cst on both sides), so
//      no wake-up is lost.
//   2. A waker with no registered waiter makes no system call.
#ifndef EVBUS_SHM_WAIT_H_
#define EVBUS_SHM_WAIT_H_

#include <atomic>
#include <cstdint>

#include "shm/fence.h"

namespace evbus::shm {

enum class WaitStrategy { kBusySpin, kSpinYield, kBlocking };

// Monotonic clock in ns.
std::int64_t MonotonicNanos() noexcept;

// Sleeps while *word == expected, at most timeout_ns (<0 = forever). Returns
// on wake, value change, timeout or signal; callers re-check their condition.
void FutexWait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
               std::int64_t timeout_ns) noexcept;

// Wakes every sleeper on *word.
void FutexWakeAll(const std::atomic<std::uint32_t>* word) noexcept;

// Waker side of invariant 1: after publishing, call this. If *waiters is
// non-zero, bumps *seq, wakes its sleepers and counts one wake call.
void WakeIfWaiting(std::atomic<std::uint32_t>* seq, const std::atomic<std::uint32_t>* waiters,
                   std::atomic<std::uint64_t>* wake_calls) noexcept;

// Waits until ready() is true or deadline_ns (MonotonicNanos clock) passes,
// using `strategy`. Blocking spins kSpinIterations, then registers in
// *waiters and sleeps on *seq (slices of at most max_sleep_ns, so callers
// can do periodic work such as the abandon check). Returns ready().
template <typename Ready>
bool WaitUntil(WaitStrategy strategy, std::atomic<std::uint32_t>* seq,
               std::atomic<std::uint32_t>* waiters, std::int64_t deadline_ns,
               std::int64_t max_sleep_ns, Ready ready);

inline constexpr int kSpinIterations = 2000;

void CpuRelax() noexcept;
void YieldThread() noexcept;

template <typename Ready>
bool WaitUntil(WaitStrategy strategy, std::atomic<std::uint32_t>* seq,
               std::atomic<std::uint32_t>* waiters, std::int64_t deadline_ns,
               std::int64_t max_sleep_ns, Ready ready) {
  for (int i = 0; i < kSpinIterations || strategy == WaitStrategy::kBusySpin; ++i) {
    if (ready()) return true;
    if ((i & 63) == 63 && MonotonicNanos() >= deadline_ns) return false;
    CpuRelax();
  }
  while (true) {
    if (ready()) return true;
    std::int64_t now = MonotonicNanos();
    if (now >= deadline_ns) return false;
    if (strategy == WaitStrategy::kSpinYield) {
      YieldThread();
      continue;
    }
    std::int64_t slice = deadline_ns - now;
    if (slice > max_sleep_ns) slice = max_sleep_ns;
    waiters->fetch_add(1, std::memory_order_seq_cst);
    ThreadFence(std::memory_order_seq_cst);
    std::uint32_t observed = seq->load(std::memory_order_acquire);
    if (!ready()) FutexWait(seq, observed, slice);
    waiters->fetch_sub(1, std::memory_order_relaxed);
  }
}

}  // namespace evbus::shm

#endif  // EVBUS_SHM_WAIT_H_
