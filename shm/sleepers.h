// Sleeper sets of a segment (layout.h WaitWord): waking whoever sleeps on a
// futex word, and clearing what a sleeper killed in its sleep left behind.
// See docs/shm_layout.md section 6.
//
// A sleeper killed with SIGKILL never leaves its set, so its bit would make
// every later commit (or durable read) issue a futex wake for nobody. Two
// things clear such a bit: the slot's next owner, at attach (it holds the
// slot's liveness lock, so the bit is a dead owner's), and a waker whose
// FUTEX_WAKE woke fewer sleepers than the bits it saw, which probes the
// liveness lock of each slot in the set and clears the bits of slots whose
// owner is gone (at most once per kDeadSleeperScanIntervalNs per process).
//
// Thread safety: any thread of any process, on a read-write segment.
// Invariants:
//   1. A bit is set only by its slot's owner (wait.h JoinSleepers) and
//      cleared by that owner, by the slot's next owner, or by a waker that
//      found the slot with no live owner.
//   2. A waker clears a bit only with a 16-byte CAS whose expected pair
//      {bits, version} it loaded before probing the slot's lock: the CAS
//      fails if anyone joined or left in between (every change adds 1 to the
//      version), so the bit it clears was set before the probe that found
//      the slot without a live owner, by an owner that is gone. A live
//      sleeper's bit is never cleared, and no wake-up is lost.
//   3. A waker makes no system call when the sets it wakes are empty
//      (wait.h invariant 2); a scan costs one fcntl per bit.
//   4. A producer that keeps a WakeMemo skips the wake while the versions of
//      both sets are the ones it loaded before its last wake: every sleeper
//      then in a set loaded the futex word before it joined (wait.h
//      invariant 4), so that wake's bump released it, and it leaves and joins
//      again (a new version) before it can sleep again. One wake per round
//      of sleeps instead of one per commit until the woken run.
#ifndef EVBUS_SHM_SLEEPERS_H_
#define EVBUS_SHM_SLEEPERS_H_

#include <cstdint>

#include "shm/segment.h"
#include "shm/wait.h"

namespace evbus::shm {

inline constexpr std::int64_t kDeadSleeperScanIntervalNs = 1'000'000;

// The sets a slot's owner joins when it sleeps.
inline Sleeper SubscriberSleeper(const Segment& segment, std::uint32_t slot) {
  return Sleeper{&segment.wait_word()->waiters, std::uint64_t{1} << slot};
}
inline Sleeper BackPressuredSleeper(const Segment& segment, std::uint32_t slot) {
  return Sleeper{&segment.wait_word()->producer_waiters, std::uint64_t{1} << slot};
}
inline Sleeper InFlightSleeper(const Segment& segment, std::uint32_t slot) {
  return Sleeper{&segment.wait_word()->inflight_waiters, std::uint64_t{1} << slot};
}

// What a producer remembers of its last wake (invariant 4); owner thread only.
struct WakeMemo {
  std::uint64_t readers_version = ~std::uint64_t{0};    // waiters' version then
  std::uint64_t producers_version = ~std::uint64_t{0};  // inflight_waiters' version then
  bool short_wake = false;  // it woke fewer threads than the bits it saw
};

// After a commit (producer): wakes the readers and the producers waiting for
// an unfinished record, if any sleep. No system call when none does.
void WakeReaders(const Segment& segment) noexcept;

// The same, for a producer whose commit was a seq_cst read-modify-write of
// the commit word a sleeping reader re-checks (CommitClaim): that RMW's place
// in the single total order does the fence's work (wait.h invariant 1), so
// the wake check is a seq_cst load and no fence.
// `memo`: the producer's own (invariant 4): no wake while the sets are the
// ones it last woke.
void WakeReadersAfterSeqCstCommit(const Segment& segment, WakeMemo* memo) noexcept;

// After a durable cursor moved (durable subscriber): wakes the producers
// back-pressured by it, if any sleep. No system call when none does.
void WakeBackPressuredProducers(const Segment& segment) noexcept;

// At attach, by the new owner of a slot (holding its liveness lock): clears
// the bits the slot's previous owner left if it died asleep.
void ForgetSubscriberSleeper(const Segment& segment, std::uint32_t slot) noexcept;
void ForgetProducerSleeper(const Segment& segment, std::uint32_t slot) noexcept;

// Which liveness lock bytes a set's bits stand for.
enum class SleeperSlots { kSubscribers, kProducers };

// Clears the bits of `set` whose slot has no live owner (invariant 2);
// returns how many it cleared and adds them to dead_waiters_cleared.
// Ignores the scan interval (WakeReaders/WakeBackPressuredProducers keep it).
int ClearDeadSleepers(const Segment& segment, std::atomic<std::uint64_t>* set,
                      SleeperSlots slots) noexcept;

}  // namespace evbus::shm

#endif  // EVBUS_SHM_SLEEPERS_H_
