// Waiting on a futex word that lives in shared memory (cross-process: no
// FUTEX_PRIVATE_FLAG), the three strategies a subscriber can choose, and
// joining and leaving a sleeper set (layout.h WaitWord) around each sleep.
//
// Thread safety: any thread of any process.
// Invariants:
//   1. A waiter joins its sleeper set (one 16-byte CAS, a full barrier) and
//      issues a seq_cst fence before it re-checks its condition and sleeps; a
//      waker publishes its change, issues a seq_cst fence, and wakes only if
//      it then sees a non-empty set. One of the two always sees the other
//      (store-buffering with seq_cst fences on both sides), so no wake-up is
//      lost. A waker whose change was itself a seq_cst read-modify-write of
//      the word the waiter re-checks may load the set seq_cst instead of
//      fencing (WakeReadersAfterSeqCstCommit).
//   2. A waker with no registered waiter makes no system call.
//   3. Joining and leaving are single atomic steps, each adding 1 to the
//      set's version: a waiter killed at any point is either in the set with
//      its own bit or not in it; nothing half-done is left (shm/sleepers.h
//      clears the bits of dead owners).
//   4. A waiter loads the futex word before it joins: a wake whose bump
//      follows the waker's load of the set that shows the join then always
//      releases the sleep (the word changed, or FUTEX_WAKE finds it asleep),
//      so a waker may skip later wakes while the set's version is unchanged
//      (shm/sleepers.h invariant 4).
#ifndef EVBUS_SHM_WAIT_H_
#define EVBUS_SHM_WAIT_H_

#include <atomic>
#include <cstdint>

#include "shm/fence.h"

namespace evbus::shm {

enum class WaitStrategy { kBusySpin, kSpinYield, kBlocking };

// A waiter's place in a sleeper set: `set` points at the set's bits word,
// which is followed by its version word in one 16-byte aligned pair
// (layout.h WaitWord); `bit` is 1 << the waiter's slot.
struct Sleeper {
  std::atomic<std::uint64_t>* set;
  std::uint64_t bit;
};

// Monotonic clock in ns.
std::int64_t MonotonicNanos() noexcept;

// Sleeps while *word == expected, at most timeout_ns (<0 = forever). Returns
// on wake, value change, timeout or signal; callers re-check their condition.
void FutexWait(const std::atomic<std::uint32_t>* word, std::uint32_t expected,
               std::int64_t timeout_ns) noexcept;

// Wakes every sleeper on *word; returns how many were woken (0 on error).
int FutexWakeAll(const std::atomic<std::uint32_t>* word) noexcept;

// Sets / clears `sleeper.bit` in its set with one 16-byte CAS that adds 1 to
// the version (invariant 3). Leave returns whether the bit was set.
void JoinSleepers(Sleeper sleeper) noexcept;
bool LeaveSleepers(Sleeper sleeper) noexcept;

// Waits until ready() is true or deadline_ns (MonotonicNanos clock) passes,
// using `strategy`. Blocking spins kSpinIterations, then joins `sleeper`'s
// set and sleeps on *seq (slices of at most max_sleep_ns, so callers can do
// periodic work such as the abandon check). Returns ready().
template <typename Ready>
bool WaitUntil(WaitStrategy strategy, std::atomic<std::uint32_t>* seq, Sleeper sleeper,
               std::int64_t deadline_ns, std::int64_t max_sleep_ns, Ready ready);

inline constexpr int kSpinIterations = 2000;

void CpuRelax() noexcept;
void YieldThread() noexcept;

template <typename Ready>
bool WaitUntil(WaitStrategy strategy, std::atomic<std::uint32_t>* seq, Sleeper sleeper,
               std::int64_t deadline_ns, std::int64_t max_sleep_ns, Ready ready) {
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
    const std::uint32_t observed = seq->load(std::memory_order_acquire);  // invariant 4
    JoinSleepers(sleeper);  // invariant 1: a full barrier, then the fence
    ThreadFence(std::memory_order_seq_cst);
    if (!ready()) FutexWait(seq, observed, slice);
    LeaveSleepers(sleeper);
  }
}

}  // namespace evbus::shm

#endif  // EVBUS_SHM_WAIT_H_
