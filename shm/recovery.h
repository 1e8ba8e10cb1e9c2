// Recovery of records whose producer died (or stalled past the segment's
// abandon timeout) between claim and commit: the one decision both readers
// and producers (waiting to reuse an index entry) make. See
// docs/shm_layout.md ("Dead-producer recovery").
//
// Thread safety: any thread of any process with a read-write mapping.
// Invariants:
//   1. An entry is abandoned only by a CAS from the stale value observed
//      before the decision; a commit CAS from the same value competes, so
//      exactly one of commit and abandon wins.
//   2. A record is abandoned early (before the timeout) only when no live
//      producer slot could own it (none is CLAIMING or CLAIMED|id with its
//      liveness lock held), its claimant is not restartable and no slot,
//      live or dead, says INTENT|id (a restarted producer may still finish
//      it: Producer::TakeOverClaim).
//   3. Before the abandon CAS the entry's claimant names the id's producer
//      whenever its claim store or its slot (still CLAIMED|id) tells it, so
//      every reader that acquires the abandoned value can say by whom.
//   4. A held claim (ClaimHeld) is abandoned only by ForceAbandon or early
//      (no live slot, restartable claimant or intent may own it), never
//      because of the timeout.
#ifndef EVBUS_SHM_RECOVERY_H_
#define EVBUS_SHM_RECOVERY_H_

#include <cstdint>

#include "shm/segment.h"

namespace evbus::shm {

// How often a stalled waiter re-runs the liveness scan.
inline constexpr std::int64_t kAbandonCheckIntervalNs = 5'000'000;

// True if some producer whose process lives may still commit `id`, or the
// claimant of `id` is restartable, or a slot says INTENT|id (live or dead:
// its restarted process may commit it).
bool LiveClaimantMayExist(const Segment& segment, std::uint64_t id) noexcept;

// True if `state` (a producer slot's) is INTENT|id for an id that is
// claimed (below the head) and neither committed nor abandoned: its
// restartable producer may have died between that claim and its claimant
// store, and only the intent says so. Producer::Attach keeps such a slot's
// state (a restartable attacher) or leaves the slot alone (any other).
bool IntentPending(const Segment& segment, std::uint64_t state) noexcept;

// True if a producer slot owned by `pid` has its liveness lock held (or the
// probe failed: counted as live).
bool ProducerPidLive(const Segment& segment, std::int32_t pid) noexcept;

// The pid of the producer whose slot says CLAIMED|id, or 0.
std::int32_t ClaimedBy(const Segment& segment, std::uint64_t id) noexcept;

// The pid of the producer that claimed `id`, from its entry's claimant; 0 if
// not known. Meaningful once the entry holds AbandonedValue(id) (acquire).
std::int32_t AbandonedBy(const Segment& segment, std::uint64_t id) noexcept;

// True if the claim of `id` is held (no abandon timeout applies): its
// claimant says so (ClaimantHeld), or a slot that holds its claims says
// INTENT|id.
bool ClaimHeld(const Segment& segment, std::uint64_t id) noexcept;

// Marks `id` abandoned if its entry still holds `stale` and either no live
// claimant exists or waited_ns >= the segment's abandon timeout and the
// claim is not held. Returns true if the entry now holds AbandonedValue(id)
// (by us or someone else).
bool TryAbandon(Segment* segment, std::uint64_t id, std::uint64_t stale,
                std::int64_t waited_ns) noexcept;

// Marks `id` abandoned if its entry still holds `stale`, held or not: for
// the claim's own producer or its restart (the record does not fit, or the
// origin says the id is missing). Returns as TryAbandon.
bool ForceAbandon(Segment* segment, std::uint64_t id, std::uint64_t stale) noexcept;

}  // namespace evbus::shm

#endif  // EVBUS_SHM_RECOVERY_H_
