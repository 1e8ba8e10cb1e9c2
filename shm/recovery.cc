// The abandon decision for a record stuck between claim and commit.
#include "shm/recovery.h"

#include "shm/atomic128.h"
#include "shm/liveness.h"

namespace evbus::shm {

bool LiveClaimantMayExist(const Segment& segment, std::uint64_t id) noexcept {
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    // SYNC POINT READ: producer.state -- pairs with the claim CAS (release):
    // a reader that saw the claim of `id` sees CLAIMING, CLAIMED|id or later.
    std::uint64_t state = segment.producer_slot(i)->state.load(std::memory_order_acquire);
    // A restartable producer's intent, dead owner or not (section 7): it was
    // stored before its claim CAS, so a reader that saw `id` claimed sees it
    // (or CLAIMED|id, after the claimant store that replaces it).
    if (state == (kStateIntent | id)) return true;
    if (state != kStateClaiming && state != (kStateClaimed | id)) continue;
    // Unknown (probe failed) counts as alive: wait for the timeout instead.
    if (ProbeLock(segment.fd(), ProducerLockByte(i)) != LockState::kFree) return true;
  }
  // A restartable producer's claim waits for its restarted process (or the
  // timeout), dead owner or not. SYNC POINT READ: claimant -- acquire pairs
  // with the claimant store (release) after the claim.
  const std::uint64_t claimant = segment.index_entry(id)->claimant.load(std::memory_order_acquire);
  return ClaimantRestartable(claimant, id);
}

bool IntentPending(const Segment& segment, std::uint64_t state) noexcept {
  if ((state & ~kStateIdMask) != kStateIntent) return false;
  const std::uint64_t id = state & kStateIdMask;
  if (id >= LoadHalfAcquire(&segment.claim()->next_id)) return false;  // never claimed
  // SYNC POINT READ: entry.commit -- terminal for `id` (or a later lap's) = done.
  const std::uint64_t commit = segment.index_entry(id)->commit.load(std::memory_order_acquire);
  return (commit & ~kAbandonedBit) < CommittedValue(id);
}

bool ProducerPidLive(const Segment& segment, std::int32_t pid) noexcept {
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    if (segment.producer_slot(i)->owner_pid.load(std::memory_order_relaxed) != pid) continue;
    if (ProbeLock(segment.fd(), ProducerLockByte(i)) != LockState::kFree) return true;
  }
  return false;
}

std::int32_t ClaimedBy(const Segment& segment, std::uint64_t id) noexcept {
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    const ProducerSlot* slot = segment.producer_slot(i);
    // SYNC POINT READ: producer.state -- CLAIMED|id makes its claimant visible.
    if (slot->state.load(std::memory_order_acquire) == (kStateClaimed | id)) {
      return slot->owner_pid.load(std::memory_order_relaxed);
    }
  }
  return 0;
}

std::int32_t AbandonedBy(const Segment& segment, std::uint64_t id) noexcept {
  return ClaimantPid(segment.index_entry(id)->claimant.load(std::memory_order_relaxed), id);
}

namespace {

// Invariant 3: fills in the claimant from the producer table when the
// producer died before storing it (the abandon CAS below publishes it).
void RecordClaimant(const Segment& segment, IndexEntry* entry, std::uint64_t id) noexcept {
  std::uint64_t seen = entry->claimant.load(std::memory_order_relaxed);
  if (ClaimantPid(seen, id) != 0) return;
  const std::int32_t pid = ClaimedBy(segment, id);
  if (pid == 0) return;
  // A CAS, not a store: a newer lap's producer may have claimed the entry meanwhile.
  entry->claimant.compare_exchange_strong(seen, ClaimantValue(id, pid), std::memory_order_relaxed,
                                          std::memory_order_relaxed);
}

}  // namespace

bool ClaimHeld(const Segment& segment, std::uint64_t id) noexcept {
  // SYNC POINT READ: claimant -- as in LiveClaimantMayExist.
  const std::uint64_t claimant = segment.index_entry(id)->claimant.load(std::memory_order_acquire);
  if (ClaimantHeld(claimant, id)) return true;
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    const ProducerSlot* slot = segment.producer_slot(i);
    // SYNC POINT READ: producer.state -- INTENT|id's release store comes
    // after its owner's hold_claims store.
    if (slot->state.load(std::memory_order_acquire) == (kStateIntent | id) &&
        slot->hold_claims.load(std::memory_order_relaxed) != 0) {
      return true;
    }
  }
  return false;
}

bool TryAbandon(Segment* segment, std::uint64_t id, std::uint64_t stale,
                std::int64_t waited_ns) noexcept {
  const bool timed_out =
      waited_ns >= segment->header().abandon_timeout_ns && !ClaimHeld(*segment, id);
  if (!timed_out && LiveClaimantMayExist(*segment, id)) return false;
  return ForceAbandon(segment, id, stale);
}

bool ForceAbandon(Segment* segment, std::uint64_t id, std::uint64_t stale) noexcept {
  IndexEntry* entry = segment->index_entry(id);
  RecordClaimant(*segment, entry, id);
  std::uint64_t expected = stale;
  // Competes with the producer's commit CAS from the same stale value: one wins.
  if (entry->commit.compare_exchange_strong(expected, AbandonedValue(id), std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
    return true;
  }
  return expected == AbandonedValue(id);
}

}  // namespace evbus::shm
