// The abandon decision for a record stuck between claim and commit.
#include "shm/recovery.h"

#include "shm/liveness.h"

namespace evbus::shm {

bool LiveClaimantMayExist(const Segment& segment, std::uint64_t id) noexcept {
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    // SYNC POINT READ: producer.state -- pairs with the claim CAS (release):
    // a reader that saw the claim of `id` sees CLAIMING, CLAIMED|id or later.
    std::uint64_t state = segment.producer_slot(i)->state.load(std::memory_order_acquire);
    if (state != kStateClaiming && state != (kStateClaimed | id)) continue;
    // Unknown (probe failed) counts as alive: wait for the timeout instead.
    if (ProbeLock(segment.fd(), ProducerLockByte(i)) != LockState::kFree) return true;
  }
  return false;
}

bool TryAbandon(Segment* segment, std::uint64_t id, std::uint64_t stale,
                std::int64_t waited_ns) noexcept {
  bool timed_out = waited_ns >= segment->header().abandon_timeout_ns;
  if (!timed_out && LiveClaimantMayExist(*segment, id)) return false;
  IndexEntry* entry = segment->index_entry(id);
  std::uint64_t expected = stale;
  // Competes with the producer's commit CAS from the same stale value: one wins.
  if (entry->commit.compare_exchange_strong(expected, AbandonedValue(id), std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
    return true;
  }
  return expected == AbandonedValue(id);
}

}  // namespace evbus::shm
