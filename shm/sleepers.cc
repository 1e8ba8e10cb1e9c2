// Waking sleeper sets and clearing the bits of sleepers that died asleep.
#include "shm/sleepers.h"

#include <atomic>
#include <bit>

#include "shm/atomic128.h"
#include "shm/fence.h"
#include "shm/liveness.h"

namespace evbus::shm {
namespace {

// Earliest MonotonicNanos of this process's next scan (invariant 3: scans
// are rare even when a wake keeps finding a sleeper not yet asleep).
std::atomic<std::int64_t> g_next_scan_ns{0};

bool ScanAllowed() noexcept {
  const std::int64_t now = MonotonicNanos();
  std::int64_t next = g_next_scan_ns.load(std::memory_order_relaxed);
  if (now < next) return false;
  return g_next_scan_ns.compare_exchange_strong(next, now + kDeadSleeperScanIntervalNs,
                                                std::memory_order_relaxed);
}

int Count(std::uint64_t bits) noexcept { return std::popcount(bits); }

std::uint32_t LockByte(SleeperSlots slots, std::uint32_t slot) noexcept {
  return slots == SleeperSlots::kSubscribers ? SubscriberLockByte(slot) : ProducerLockByte(slot);
}

// Bumps the futex word, wakes its sleepers, counts the call.
int Wake(std::atomic<std::uint32_t>* seq, WaitWord* w) noexcept {
  seq->fetch_add(1, std::memory_order_release);
  const int woken = FutexWakeAll(seq);
  w->wake_calls.fetch_add(1, std::memory_order_relaxed);
  return woken;
}

void Forget(const Segment& segment, Sleeper sleeper) noexcept {
  if (sleeper.set->load(std::memory_order_relaxed) & sleeper.bit && LeaveSleepers(sleeper)) {
    segment.wait_word()->dead_waiters_cleared.fetch_add(1, std::memory_order_relaxed);
  }
}

void ScanPublishedSeqSleepers(const Segment& segment) noexcept {
  WaitWord* w = segment.wait_word();
  ClearDeadSleepers(segment, &w->waiters, SleeperSlots::kSubscribers);
  ClearDeadSleepers(segment, &w->inflight_waiters, SleeperSlots::kProducers);
}

// Invariant 4: true when the sets are the ones `memo` last woke (then only a
// scan for the dead, if that wake fell short); else records them in `memo`.
bool WokeTheseBefore(const Segment& segment, WakeMemo* memo) noexcept {
  if (memo == nullptr) return false;
  WaitWord* w = segment.wait_word();
  // Loaded after the bits (seq_cst): a join after our bits load either shows
  // here or comes after our commit in the single total order (wait.h inv. 1).
  const std::uint64_t rv = w->waiters_version.load(std::memory_order_seq_cst);
  const std::uint64_t pv = w->inflight_waiters_version.load(std::memory_order_seq_cst);
  if (rv == memo->readers_version && pv == memo->producers_version) {
    if (memo->short_wake && ScanAllowed()) {
      memo->short_wake = false;
      ScanPublishedSeqSleepers(segment);
    }
    return true;
  }
  memo->readers_version = rv;
  memo->producers_version = pv;
  return false;
}

// The wake half of WakeReaders: `order` is seq_cst where no fence came before.
void WakeReadersIfAsleep(const Segment& segment, std::memory_order order, WakeMemo* memo) noexcept {
  WaitWord* w = segment.wait_word();
  // SYNC POINT READ: sleepers.join -- a reader that joined before our fence
  // (or before our seq_cst commit, for WakeReadersAfterSeqCstCommit).
  const std::uint64_t readers = w->waiters.load(order);
  const std::uint64_t producers = w->inflight_waiters.load(order);
  if ((readers | producers) == 0) return;
  if (WokeTheseBefore(segment, memo)) return;
  const int woken = Wake(&w->published_seq, w);
  const bool short_wake = woken < Count(readers) + Count(producers);
  if (memo != nullptr) memo->short_wake = short_wake;
  if (short_wake && ScanAllowed()) ScanPublishedSeqSleepers(segment);
}

}  // namespace

int ClearDeadSleepers(const Segment& segment, std::atomic<std::uint64_t>* set,
                      SleeperSlots slots) noexcept {
  auto* pair = reinterpret_cast<Pair64*>(set);
  Pair64 cur{0, 0};
  (void)Cas128(pair, &cur, cur);  // loads the pair (or swaps {0,0} for itself)
  for (int attempt = 0; attempt < 4; ++attempt) {
    std::uint64_t dead = 0;
    for (std::uint64_t bits = cur.lo; bits != 0; bits &= bits - 1) {
      const auto slot = static_cast<std::uint32_t>(std::countr_zero(bits));
      // Unknown (probe failed) counts as alive: the bit stays.
      if (ProbeLock(segment.fd(), LockByte(slots, slot)) == LockState::kFree) {
        dead |= std::uint64_t{1} << slot;
      }
    }
    if (dead == 0) return 0;
    // Invariant 2: fails if anyone joined or left since `cur` was loaded.
    if (Cas128(pair, &cur, Pair64{cur.lo & ~dead, cur.hi + 1})) {
      segment.wait_word()->dead_waiters_cleared.fetch_add(static_cast<std::uint64_t>(Count(dead)),
                                                          std::memory_order_relaxed);
      return Count(dead);
    }
  }
  return 0;  // the set keeps changing: a later wake scans again
}

void WakeReaders(const Segment& segment) noexcept {
  // Pairs with the sleeper's join and fence (wait.h invariant 1).
  ThreadFence(std::memory_order_seq_cst);
  WakeReadersIfAsleep(segment, std::memory_order_relaxed, nullptr);
}

void WakeReadersAfterSeqCstCommit(const Segment& segment, WakeMemo* memo) noexcept {
  // The sleeper joins, fences (seq_cst), then reads the commit word; we
  // modified that word with a seq_cst RMW and now load the set seq_cst. If the
  // sleeper's fence precedes our RMW in the total order, our load follows it
  // and sees the join; otherwise its read after the fence sees our commit.
  WakeReadersIfAsleep(segment, std::memory_order_seq_cst, memo);
}

void WakeBackPressuredProducers(const Segment& segment) noexcept {
  WaitWord* w = segment.wait_word();
  // Pairs with the sleeper's join and fence (wait.h invariant 1).
  ThreadFence(std::memory_order_seq_cst);
  // SYNC POINT READ: sleepers.join -- a producer that joined before our fence.
  const std::uint64_t producers = w->producer_waiters.load(std::memory_order_relaxed);
  if (producers == 0) return;
  const int woken = Wake(&w->consumed_seq, w);
  if (woken < Count(producers) && ScanAllowed()) {
    ClearDeadSleepers(segment, &w->producer_waiters, SleeperSlots::kProducers);
  }
}

void ForgetSubscriberSleeper(const Segment& segment, std::uint32_t slot) noexcept {
  Forget(segment, SubscriberSleeper(segment, slot));
}

void ForgetProducerSleeper(const Segment& segment, std::uint32_t slot) noexcept {
  Forget(segment, BackPressuredSleeper(segment, slot));
  Forget(segment, InFlightSleeper(segment, slot));
}

}  // namespace evbus::shm
