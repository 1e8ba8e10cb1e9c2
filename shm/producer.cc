// Producer: claim (16-byte CAS on {next_id, tail}), write, commit (release
// CAS on the index entry), wake only registered sleepers.
#include "shm/producer.h"

#include <unistd.h>

#include <cstring>

#include "shm/atomic128.h"
#include "shm/body_file.h"
#include "shm/fence.h"
#include "shm/recovery.h"
#include "shm/sleepers.h"
#include "shm/wait.h"

namespace evbus::shm {
namespace {

std::atomic<testing::PauseHook> g_pause_hook{nullptr};
std::atomic<testing::PauseHook> g_pause_before_claimant_hook{nullptr};

}  // namespace

namespace testing {
void SetPauseAfterClaimHook(PauseHook hook) { g_pause_hook.store(hook, std::memory_order_relaxed); }
void SetPauseBeforeClaimantHook(PauseHook hook) {
  g_pause_before_claimant_hook.store(hook, std::memory_order_relaxed);
}
}  // namespace testing

Producer::~Producer() {
  if (slot_ != nullptr) {
    PublishStats();
    slot_->state.store(kStateIdle, std::memory_order_release);
  }
}

Result<std::unique_ptr<Producer>> Producer::Attach(Segment* segment, std::string_view name,
                                                   bool restartable, bool hold_claims) {
  if (hold_claims && !restartable) {
    return Status::InvalidArgument("producer '" + std::string(name) +
                                   "': only a restartable producer can hold its claims");
  }
  if (segment->read_only()) {
    return Status::InvalidArgument("cannot publish through a read-only segment; use Segment::Open");
  }
  if (name.size() >= kSlotNameCapacity) {
    return Status::InvalidArgument("producer name '" + std::string(name) + "' is longer than " +
                                   std::to_string(kSlotNameCapacity - 1) + " characters");
  }
  EVBUS_RETURN_IF_ERROR(CheckCas128());
  auto p = std::unique_ptr<Producer>(new Producer());
  bool keep_intent = false;
  EVBUS_RETURN_IF_ERROR(p->AcquireSlot(*segment, restartable, &keep_intent));
  const SegmentHeader& h = segment->header();
  p->segment_ = segment;
  p->slot_ = segment->producer_slot(p->slot_index_);
  p->name_ = std::string(name);
  p->pid_ = static_cast<std::int32_t>(::getpid());
  p->claimant_bits_ = (restartable ? kClaimantRestartable : 0) | (hold_claims ? kClaimantHold : 0);
  p->capacity_ = h.data_capacity;
  p->index_slots_ = h.index_slots;
  p->max_record_size_ = h.max_record_size;
  ProducerSlot* slot = p->slot_;
  // A dead owner may have left CLAIMED|id: resetting it lets readers abandon
  // id. A dead restartable owner's pending intent stays (we are its restart).
  if (!keep_intent) slot->state.store(kStateIdle, std::memory_order_relaxed);
  std::memset(slot->name, 0, kSlotNameCapacity);
  std::memcpy(slot->name, name.data(), name.size());
  slot->owner_pid.store(p->pid_, std::memory_order_relaxed);
  // Before any intent of ours (its release store publishes this).
  slot->hold_claims.store(hold_claims ? 1 : 0, std::memory_order_relaxed);
  slot->start_ticks.store(ProcessStartTicks(::getpid()), std::memory_order_relaxed);
  slot->generation.fetch_add(1, std::memory_order_relaxed);
  slot->published.store(0, std::memory_order_relaxed);
  slot->bytes.store(0, std::memory_order_relaxed);
  slot->backpressure_waits.store(0, std::memory_order_relaxed);
  slot->abandoned.store(0, std::memory_order_relaxed);
  slot->attached_ns.store(MonotonicNanos(), std::memory_order_release);
  ForgetProducerSleeper(*segment, p->slot_index_);  // a dead owner may have slept here
  return p;
}

// Takes the first producer slot whose liveness lock is free. A slot whose
// dead restartable owner left a pending intent (IntentPending: the only mark
// of a claim killed before its claimant store) is taken only by a restartable
// producer, which keeps the intent (*keep_intent) until it takes the claim
// over or claims again; any other producer leaves it for the restart.
Status Producer::AcquireSlot(const Segment& segment, bool restartable, bool* keep_intent) {
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    auto lock = LivenessLock::Acquire(segment.shm_name(), ProducerLockByte(i));
    if (!lock.ok() && lock.status().code() != Status::Code::kBusy) return lock.status();
    if (!lock.ok()) continue;
    // SYNC POINT READ: producer.state -- the dead owner's last state.
    const std::uint64_t left = segment.producer_slot(i)->state.load(std::memory_order_acquire);
    *keep_intent = IntentPending(segment, left);
    if (*keep_intent && !restartable) continue;  // the lock is released with `lock`
    lock_ = std::move(*lock);
    slot_index_ = i;
    return Status::OK();
  }
  return Status::Busy("all " + std::to_string(kProducerSlots) + " producer slots of '" +
                      segment.shm_name() +
                      "' are held by live producers (or keep a dead restartable producer's "
                      "unfinished claim for its restart); detach some first");
}

bool Producer::RefreshGate(std::uint64_t next_id, std::uint64_t tail) noexcept {
  std::uint64_t min_id = next_id, min_pos = tail;  // the head counts as a consumer
  int laggard = -1;
  // Pairs with the fence of a durable subscriber registering (subscriber.cc).
  ThreadFence(std::memory_order_seq_cst);
  for (std::uint32_t i = 0; i < kSubscriberSlots; ++i) {
    const SubscriberSlot* s = segment_->subscriber_slot(i);
    if (s->durable.load(std::memory_order_acquire) == 0) continue;
    // SYNC POINT READ: subscriber.cursor -- the durable reader is done with
    // every id below next_id and every byte below byte_pos.
    std::uint64_t id = s->next_id.load(std::memory_order_acquire);
    std::uint64_t pos = s->byte_pos.load(std::memory_order_acquire);
    if (id < min_id || (id == min_id && pos < min_pos)) laggard = static_cast<int>(i);
    if (id < min_id) min_id = id;
    if (pos < min_pos) {
      min_pos = pos;
      laggard = static_cast<int>(i);
    }
  }
  id_limit_ = min_id + index_slots_;
  pos_limit_ = min_pos + capacity_;
  laggard_slot_ = laggard;
  blocked_id_ = min_id;
  return true;
}

PublishResult Producer::TryPublish(const RecordMeta& meta, std::string_view body,
                                   std::uint64_t* id) noexcept {
  if (body.size() > max_record_size_) return PublishResult::kTooLarge;
  Claim claim;
  const PublishResult claimed = ClaimNext(AlignUp(body.size(), kRecordAlignment), &claim);
  if (claimed != PublishResult::kOk) return claimed;
  return CommitClaim(claim, meta, body, id);
}

// Reserves the next id and `size` bytes of the ring with one CAS on the claim
// word, unless a durable consumer or an unfinished record of the previous
// lap is in the way (kBackPressured, slot back to idle).
PublishResult Producer::ClaimNext(std::uint64_t size, Claim* claim) noexcept {
  ClaimWord* claim_word = segment_->claim();
  auto* word = reinterpret_cast<Pair64*>(&claim_word->next_id);
  // Ordered before the claim CAS by the CAS's release half (invariant 3).
  slot_->state.store(kStateClaiming, std::memory_order_relaxed);
  Pair64 cur{LoadHalfAcquire(&claim_word->next_id), LoadHalfAcquire(&claim_word->tail)};
  while (true) {
    const std::uint64_t x = cur.lo;
    std::uint64_t start = cur.hi;
    if ((start & (capacity_ - 1)) + size > capacity_)
      start = (start + capacity_) & ~(capacity_ - 1);
    const std::uint64_t new_tail = start + size;
    if (x + 1 > id_limit_ || new_tail > pos_limit_) {
      RefreshGate(x, cur.hi);
      if (x + 1 > id_limit_ || new_tail > pos_limit_) {
        blocker_ = Blocker::kDurable;
        slot_->state.store(kStateIdle, std::memory_order_relaxed);
        return PublishResult::kBackPressured;
      }
    }
    IndexEntry* entry = segment_->index_entry(x);
    // SYNC POINT READ: entry.commit -- the previous lap's record is finished.
    const std::uint64_t stale = entry->commit.load(std::memory_order_acquire);
    const std::uint64_t prior = x >= index_slots_ ? CommittedValue(x - index_slots_) : 0;
    if (stale != prior && stale != (prior | kAbandonedBit)) {
      if ((stale & ~kAbandonedBit) < prior) {
        blocker_ = Blocker::kInFlight;  // x - N is claimed but not committed
        blocked_id_ = x - index_slots_;
        blocked_stale_ = stale;
        slot_->state.store(kStateIdle, std::memory_order_relaxed);
        return PublishResult::kBackPressured;
      }
      cur = Pair64{LoadHalfAcquire(&claim_word->next_id), LoadHalfAcquire(&claim_word->tail)};
      continue;  // our view of next_id is old: the entry already moved on
    }
    // A restartable producer says which id and bytes it is about to claim:
    // the only mark of its claim if it dies before its claimant store.
    if (claimant_bits_ != 0) RecordIntent(x, start);
    // SYNC POINT WRITE: claim -- full barrier; publishes state=CLAIMING (or
    // the intent).
    if (Cas128(word, &cur, Pair64{x + 1, new_tail})) {
      *claim = Claim{x, start, stale, entry};
      return PublishResult::kOk;
    }
  }
}

void Producer::RecordIntent(std::uint64_t id, std::uint64_t start) noexcept {
  slot_->intent_pos.store(start, std::memory_order_relaxed);
  // SYNC POINT WRITE: producer.state -- release: a taker that acquires
  // INTENT|id (from a dead owner) sees its intent_pos; the claim CAS after
  // it publishes both to anyone who saw `id` claimed.
  slot_->state.store(kStateIntent | id, std::memory_order_release);
}

// Writes the claimed record and commits it; kAbandoned when a reader gave
// the id up meanwhile (the commit CAS finds the abandoned word).
PublishResult Producer::CommitClaim(const Claim& claim, const RecordMeta& meta,
                                    std::string_view body, std::uint64_t* id) noexcept {
  const std::uint64_t x = claim.id;
  if (claimant_bits_ != 0) {
    if (testing::PauseHook hook = g_pause_before_claimant_hook.load(std::memory_order_relaxed))
      hook(x);
  }
  StoreClaimant(claim);
  // Seqlock writer side: the claim is ordered before the body/entry writes.
  ThreadFence(std::memory_order_release);
  if (testing::PauseHook hook = g_pause_hook.load(std::memory_order_relaxed)) hook(x);
  if (big_body_ != nullptr && !WriteBigBody(claim)) return PublishResult::kAbandoned;
  WriteRecord(x, claim.start, meta, body);
  std::uint64_t expected = claim.stale;
  // SYNC POINT WRITE: entry.commit -- body bytes and entry fields are visible
  // to any reader that acquire-loads CommittedValue(x). seq_cst (the same
  // locked instruction as release on x86-64): it stands in for the wake's
  // fence (WakeReadersAfterSeqCstCommit); a failed CAS wakes no one.
  const bool committed = claim.entry->commit.compare_exchange_strong(
      expected, CommittedValue(x), std::memory_order_seq_cst, std::memory_order_relaxed);
  slot_->state.store(kStateIdle, std::memory_order_release);
  if (!committed) {
    if (big_body_ != nullptr) RemoveBodyFile(*segment_, x);  // nobody reads an abandoned id
    ++abandoned_;
    slot_->abandoned.store(abandoned_, std::memory_order_relaxed);
    return PublishResult::kAbandoned;
  }
  ++published_;
  bytes_ += body.size();
  slot_->published.store(published_, std::memory_order_relaxed);
  slot_->bytes.store(bytes_, std::memory_order_relaxed);
  WakeReadersAfterSeqCstCommit(*segment_, &wake_memo_);
  *id = x;
  return PublishResult::kOk;
}

void Producer::StoreClaimant(const Claim& claim) noexcept {
  const std::uint64_t x = claim.id;
  // Where x's bytes start, then who claimed x: for a reader that has to
  // abandon it, and for a restarted producer taking a restartable claim over
  // (a claimant tagged x proves data_pos is x's). SYNC POINT WRITE: claimant
  // -- release: pairs with TakeOverClaim's and LiveClaimantMayExist's acquire.
  claim.entry->data_pos = claim.start;
  claim.entry->claimant.store(ClaimantValue(x, pid_) | claimant_bits_, std::memory_order_release);
  // SYNC POINT WRITE: producer.state -- a recovery scan that acquires
  // CLAIMED|x also sees the claimant stored above.
  slot_->state.store(kStateClaimed | x, std::memory_order_release);
}

void Producer::AbandonOwnClaim(const Claim& claim) noexcept {
  // As a reader would abandon it (docs/shm_layout.md, section 7), so readers
  // report it and move on; a reader may have abandoned it first.
  std::uint64_t expected = claim.stale;
  // SYNC POINT WRITE: entry.commit (abandoned) -- publishes the claimant.
  claim.entry->commit.compare_exchange_strong(expected, AbandonedValue(claim.id),
                                              std::memory_order_acq_rel, std::memory_order_relaxed);
  slot_->state.store(kStateIdle, std::memory_order_release);
  ++abandoned_;
  slot_->abandoned.store(abandoned_, std::memory_order_relaxed);
  WakeReaders(*segment_);
}

PublishResult Producer::TryPublishAbandoned(std::uint64_t* id) noexcept {
  Claim claim;
  const PublishResult claimed = ClaimNext(0, &claim);
  if (claimed != PublishResult::kOk) return claimed;
  StoreClaimant(claim);
  AbandonOwnClaim(claim);
  *id = claim.id;
  return PublishResult::kOk;
}

void Producer::WriteRecord(std::uint64_t id, std::uint64_t pos, const RecordMeta& meta,
                           std::string_view body) noexcept {
  if (!body.empty())
    std::memcpy(segment_->data() + (pos & (capacity_ - 1)), body.data(), body.size());
  IndexEntry* e = segment_->index_entry(id);
  e->data_pos = pos;
  e->length = static_cast<std::uint32_t>(body.size());
  e->timestamp_ns = meta.timestamp_ns;
  e->cause = meta.cause;
  e->type = meta.type;
  e->source = meta.source;
  e->flags = meta.flags;
  e->producer_slot = static_cast<std::uint16_t>(slot_index_);
  e->reserved = big_body_ != nullptr ? kEntryKindBodyFile : kEntryKindInline;
  e->crc32c = RecordChecksum(id, body.data(), body.size(), e);
}

void Producer::PublishStats() noexcept {
  slot_->published.store(published_, std::memory_order_relaxed);
  slot_->bytes.store(bytes_, std::memory_order_relaxed);
  slot_->backpressure_waits.store(waits_, std::memory_order_relaxed);
  slot_->abandoned.store(abandoned_, std::memory_order_relaxed);
}

}  // namespace evbus::shm
