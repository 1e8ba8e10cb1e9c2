// Producer::TakeOverClaim: a restarted restartable producer finishes the
// claim its dead predecessor left at the head (docs/shm_layout.md section 7,
// "Restartable producers"; the protocol is model-checked in
// docs/model/takeover.pml).
#include "shm/atomic128.h"
#include "shm/body_file.h"
#include "shm/crc32c.h"
#include "shm/fence.h"
#include "shm/liveness.h"
#include "shm/producer.h"
#include "shm/recovery.h"
#include "shm/sleepers.h"

namespace evbus::shm {
namespace {

std::string Where(const Segment& segment, std::uint64_t id) {
  return "id " + std::to_string(id) + " of segment '" + segment.shm_name() + "'";
}

}  // namespace

// The owner must be dead before the commit word is read (takeover.pml,
// takeover-stale-first): a dead owner can no longer commit. Sets *start to
// the claim's reservation start when it is known: from the entry (a claimant
// tagged `id` proves data_pos) or from a dead restartable slot's intent.
Status Producer::CheckTakeOver(std::uint64_t id, std::uint64_t* seen_claimant, std::uint64_t* start,
                               bool* known) const {
  const std::string where = Where(*segment_, id);
  if (LoadHalfAcquire(&segment_->claim()->next_id) != id + 1) {
    return Status::InvalidArgument(where +
                                   " is not the segment's last claim; only that one can "
                                   "be taken over");
  }
  // SYNC POINT READ: claimant -- acquire pairs with the owner's release store
  // after data_pos, so a claimant tagged `id` makes data_pos this claim's.
  *seen_claimant = segment_->index_entry(id)->claimant.load(std::memory_order_acquire);
  *known = false;
  if (ClaimantPid(*seen_claimant, id) == 0) return FindIntent(id, start, known);
  if (!ClaimantRestartable(*seen_claimant, id)) return Status::OK();  // caller abandons
  const std::int32_t owner = ClaimantPid(*seen_claimant, id);
  if (owner != pid_ && ProducerPidLive(*segment_, owner)) {
    return Status::Busy(where + " is being written by pid " + std::to_string(owner) +
                        ", which is alive; stop it first (one bridge in per stream)");
  }
  *start = segment_->index_entry(id)->data_pos;
  *known = true;
  return Status::OK();
}

// No claimant names `id`: its restartable owner may have died between its
// claim CAS and its claimant store, leaving INTENT|id in its slot (or in
// ours: Attach kept it). Busy while a live slot (not ours) may own `id`.
Status Producer::FindIntent(std::uint64_t id, std::uint64_t* start, bool* found) const {
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    const ProducerSlot* slot = segment_->producer_slot(i);
    const bool own = i == slot_index_;
    // Probed first: a dead owner's state and intent_pos are final (a later
    // attacher keeps a pending intent or leaves the slot alone).
    const bool live = !own && ProbeLock(segment_->fd(), ProducerLockByte(i)) != LockState::kFree;
    // SYNC POINT READ: producer.state -- acquire pairs with RecordIntent's
    // release, so intent_pos is the one stored with INTENT|id.
    const std::uint64_t state = slot->state.load(std::memory_order_acquire);
    const bool may_own =
        state == kStateClaiming || state == (kStateClaimed | id) || state == (kStateIntent | id);
    if (may_own && live) {
      return Status::Busy(Where(*segment_, id) + " may still be written by a live producer (pid " +
                          std::to_string(slot->owner_pid.load(std::memory_order_relaxed)) +
                          "); stop it first (one bridge in per stream)");
    }
    if (state == (kStateIntent | id) && !*found) {
      *start = slot->intent_pos.load(std::memory_order_relaxed);
      *found = true;
    }
  }
  return Status::OK();
}

// The dead claim is the last one, so the claim word's tail is its end.
bool Producer::FitsReservation(std::uint64_t start, std::size_t length,
                               std::uint64_t* reserved) const noexcept {
  const std::uint64_t size = AlignUp(length, kRecordAlignment);
  *reserved = LoadHalfAcquire(&segment_->claim()->tail) - start;
  return length <= max_record_size_ && (start & (capacity_ - 1)) + size <= capacity_ &&
         size == *reserved;
}

Status Producer::AbandonForTakeOver(std::uint64_t id, std::uint64_t stale, const std::string& why) {
  // Forced, held or not: the entry is ours or its owner is gone.
  ForceAbandon(segment_, id, stale);
  return Status::Unavailable(Where(*segment_, id) + " " + why +
                             "; it is abandoned (local readers report it so)");
}

bool Producer::CommitTakenOver(std::uint64_t id, std::uint64_t start, std::uint64_t stale,
                               const RecordMeta& meta, std::string_view body) noexcept {
  IndexEntry* entry = segment_->index_entry(id);
  WriteRecord(id, start, meta, body);
  std::uint64_t expected = stale;
  // SYNC POINT WRITE: entry.commit -- as in CommitClaim; competes with a
  // timed-out reader's abandon CAS from the same stale value.
  const bool committed = entry->commit.compare_exchange_strong(
      expected, CommittedValue(id), std::memory_order_release, std::memory_order_relaxed);
  slot_->state.store(kStateIdle, std::memory_order_release);
  if (!committed) {
    slot_->abandoned.store(++abandoned_, std::memory_order_relaxed);
    return false;
  }
  slot_->published.store(++published_, std::memory_order_relaxed);
  bytes_ += body.size();
  slot_->bytes.store(bytes_, std::memory_order_relaxed);
  WakeReaders(*segment_);
  return true;
}

Status Producer::TakeOverClaim(std::uint64_t id, const RecordMeta& meta, std::string_view body) {
  std::uint64_t seen = 0, start = 0;
  bool known = false;
  EVBUS_RETURN_IF_ERROR(CheckTakeOver(id, &seen, &start, &known));
  IndexEntry* entry = segment_->index_entry(id);
  // SYNC POINT READ: entry.commit -- after the owner is known dead.
  const std::uint64_t stale = entry->commit.load(std::memory_order_acquire);
  if (stale == CommittedValue(id)) return Status::OK();
  const std::string timeout =
      std::to_string(segment_->header().abandon_timeout_ns / 1'000'000) + " ms";
  if (stale == AbandonedValue(id)) {
    return Status::Unavailable(Where(*segment_, id) +
                               " was abandoned by a reader before the "
                               "restart (after the abandon timeout, " +
                               timeout + ")");
  }
  if (!known) {
    // TryAbandon asks again whether a live or restartable claimant may own it.
    if (TryAbandon(segment_, id, stale, 0)) {
      return Status::Unavailable(Where(*segment_, id) +
                                 " was claimed by a producer that died "
                                 "before it said who it was; it is abandoned");
    }
    return Status::Busy(Where(*segment_, id) + " may still be written by a live producer");
  }
  // SYNC POINT WRITE: claimant -- one of two concurrent takers wins.
  if (!entry->claimant.compare_exchange_strong(seen, ClaimantValue(id, pid_) | claimant_bits_,
                                               std::memory_order_acq_rel,
                                               std::memory_order_acquire)) {
    return Status::Busy(Where(*segment_, id) + " was taken over by another process meanwhile");
  }
  // SYNC POINT WRITE: producer.state -- a live owner of `id` for the scans.
  slot_->state.store(kStateClaimed | id, std::memory_order_release);
  ThreadFence(std::memory_order_release);  // seqlock writer side, as after a claim
  return FinishTakeOver(id, start, stale, meta, body);
}

Status Producer::FinishTakeOver(std::uint64_t id, std::uint64_t start, std::uint64_t stale,
                                const RecordMeta& meta, std::string_view body) {
  if (body.size() > max_record_size_ && body.size() <= kMaxEventBytes) {
    return FinishBigTakeOver(id, start, stale, meta, body);
  }
  std::uint64_t reserved = 0;
  if (!FitsReservation(start, body.size(), &reserved)) {
    slot_->state.store(kStateIdle, std::memory_order_release);
    return AbandonForTakeOver(id, stale,
                              "does not fit the record given back (" + std::to_string(body.size()) +
                                  " bytes; the dead producer reserved " + std::to_string(reserved) +
                                  ")");
  }
  if (!CommitTakenOver(id, start, stale, meta, body)) {
    return Status::Unavailable(Where(*segment_, id) +
                               " was abandoned by a reader while it was "
                               "rewritten (the abandon timeout, " +
                               std::to_string(segment_->header().abandon_timeout_ns / 1'000'000) +
                               " ms, passed first)");
  }
  return Status::OK();
}

// A big event's claim (docs/shm_layout.md section 13): its reservation
// holds the reference; the body file, absent, partial or whole, is written
// again from the start before the reference is committed. No body-budget
// wait: the new file replaces the dead producer's, which held its room.
Status Producer::FinishBigTakeOver(std::uint64_t id, std::uint64_t start, std::uint64_t stale,
                                   const RecordMeta& meta, std::string_view body) {
  const BodyRef ref = MakeBodyRef(body.size(), crc32c::Value(body.data(), body.size()));
  const std::string_view ref_bytes(reinterpret_cast<const char*>(&ref), sizeof ref);
  std::uint64_t reserved = 0;
  if (!FitsReservation(start, ref_bytes.size(), &reserved)) {
    slot_->state.store(kStateIdle, std::memory_order_release);
    return AbandonForTakeOver(id, stale,
                              "does not fit the big event given back (its reference needs " +
                                  std::to_string(AlignUp(sizeof ref, kRecordAlignment)) +
                                  " bytes; the dead producer reserved " + std::to_string(reserved) +
                                  ")");
  }
  RemoveBodyFile(*segment_, id);  // nobody reads it before our commit
  Status written = WriteBodyFile(*segment_, id, body);
  if (!written.ok()) {
    slot_->state.store(kStateIdle, std::memory_order_release);
    return AbandonForTakeOver(id, stale, "lost its body file: " + written.message());
  }
  big_body_ = &body;  // WriteRecord marks the entry as a body-file reference
  const bool committed = CommitTakenOver(id, start, stale, meta, ref_bytes);
  big_body_ = nullptr;
  if (!committed) {
    RemoveBodyFile(*segment_, id);  // nobody reads an abandoned id
    return Status::Unavailable(Where(*segment_, id) +
                               " was abandoned by a reader while its body file was rewritten "
                               "(the abandon timeout passed first)");
  }
  return Status::OK();
}

}  // namespace evbus::shm
