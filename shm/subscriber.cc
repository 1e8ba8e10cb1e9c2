// Subscriber read path: acquire the commit word, copy, re-check the claim
// word (seqlock style), report gaps, abandon dead producers' records.
#include "shm/subscriber.h"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <cstring>

#include "shm/atomic128.h"
#include "shm/body_file.h"
#include "shm/fence.h"
#include "shm/recovery.h"
#include "shm/sleepers.h"

#if defined(__SANITIZE_THREAD__)
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace evbus::shm {
namespace {

// The entry fields after `commit`, copied out in one go.
struct EntryFields {
  std::uint64_t data_pos;
  std::uint32_t length;
  std::uint32_t crc32c;
  std::int64_t timestamp_ns;
  std::int64_t cause;
  std::uint16_t type;
  std::uint8_t source;
  std::uint8_t flags;
  std::uint16_t producer_slot;
  std::uint16_t reserved;
};
static_assert(sizeof(EntryFields) ==
              offsetof(IndexEntry, claimant) - offsetof(IndexEntry, data_pos));

// A copy that may race with a producer overwriting a lapped record. The race
// is benign by construction: the claim-word re-check after the copy discards
// anything a concurrent writer touched (docs/shm_layout.md, "Memory order").
void RacyCopy(void* dst, const void* src, std::size_t n) noexcept {
#if defined(__SANITIZE_THREAD__)
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
#endif
  std::memcpy(dst, src, n);
#if defined(__SANITIZE_THREAD__)
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
#endif
}

EntryFields CopyFields(const IndexEntry& e) noexcept {
  EntryFields f;
  RacyCopy(&f, &e.data_pos, sizeof(f));
  return f;
}

}  // namespace

ReadStatus Subscriber::TryRead(Record* record) noexcept {
  const std::uint64_t id = next_id_;
  IndexEntry* e = segment_->index_entry(id);
  // SYNC POINT READ: entry.commit -- when it says CommittedValue(id), the
  // producer's body bytes and entry fields are visible to this thread.
  const std::uint64_t c = e->commit.load(std::memory_order_acquire);
  if (c == CommittedValue(id)) return ReadCommitted(*e, record);
  if (c == AbandonedValue(id)) return ReportAbandoned(record);
  if ((c & ~kAbandonedBit) > id + 1) return ReportLap(record);  // entry reused
  const ClaimWord* claim = segment_->claim();
  const std::uint64_t tail = LoadHalfAcquire(&claim->tail);  // tail first, then head
  const std::uint64_t head = LoadHalfAcquire(&claim->next_id);
  if (head > id + index_slots_) return ReportLap(record);
  if (id >= head) {
    // Nothing unread is claimed: all data below `tail` belongs to ids < id.
    if (durable_ && tail > byte_pos_) {
      byte_pos_ = tail;
      PublishProgress(true);
    } else {
      CatchUpBeforeWaiting();
    }
    return ReadStatus::kEmpty;
  }
  const ReadStatus r = HandleUnfinished(c, record);
  if (r == ReadStatus::kEmpty) CatchUpBeforeWaiting();  // it waits for a claimed record
  return r;
}

ReadStatus Subscriber::ReadCommitted(const IndexEntry& entry, Record* record) noexcept {
  const std::uint64_t id = next_id_;
  const EntryFields f = CopyFields(entry);
  const std::uint64_t offset = f.data_pos & (capacity_ - 1);
  const bool in_bounds = f.length <= buffer_.size() && offset + f.length <= capacity_;
  if (in_bounds && f.length > 0) RacyCopy(buffer_.data(), segment_->data() + offset, f.length);
  if ((!durable_ || id < protected_from_) && Lapped(id, f.data_pos)) return ReportLap(record);
  // Not lapped (a durable reader cannot be from protected_from_ on:
  // docs/shm_layout.md, section 5): the copy is what the producer committed.
  char entry_bytes[sizeof(IndexEntry)];
  std::memcpy(entry_bytes + offsetof(IndexEntry, data_pos), &f, sizeof(f));
  if (!in_bounds || RecordChecksum(id, buffer_.data(), f.length, entry_bytes) != f.crc32c) {
    return ReportCorrupt(record);
  }
  const std::uint64_t end = f.data_pos + AlignUp(f.length, kRecordAlignment);
  std::string_view body(buffer_.data(), f.length);
  if (f.reserved != kEntryKindInline) {
    const ReadStatus r = ReadReferencedBody(f.reserved, end, &body, record);
    if (r != ReadStatus::kRecord) return r;
  }
  record->id = id;
  record->meta = RecordMeta{f.timestamp_ns, f.cause, f.type, f.source, f.flags};
  record->body = body;
  record->producer_slot = f.producer_slot;
  ++delivered_;
  ++next_id_;
  if (end > byte_pos_) byte_pos_ = end;
  PublishProgress(false);
  return ReadStatus::kRecord;
}

bool Subscriber::Lapped(std::uint64_t id, std::uint64_t data_pos) const noexcept {
  // Seqlock re-check: pairs with the release fence after the claim CAS. If the
  // copy saw any byte of a later claim, this load sees that claim.
  ThreadFence(std::memory_order_acquire);
  const ClaimWord* claim = segment_->claim();
  const std::uint64_t head = LoadHalfAcquire(&claim->next_id);
  const std::uint64_t tail = LoadHalfAcquire(&claim->tail);
  return head > id + index_slots_ || tail > data_pos + capacity_;
}

ReadStatus Subscriber::ReportCorrupt(Record* record) noexcept {
  record->id = next_id_;
  record->body = {};
  ++corrupt_;
  ++next_id_;
  PublishProgress(true);
  return ReadStatus::kCorrupt;
}

ReadStatus Subscriber::ReportAbandoned(Record* record) noexcept {
  record->id = next_id_;
  record->body = {};
  // The entry holds AbandonedValue(id), acquired by the caller: the claimant
  // stored before the abandon CAS is visible.
  record->abandoned_by_pid = AbandonedBy(*segment_, next_id_);
  ++abandoned_;
  ++next_id_;
  PublishProgress(true);
  return ReadStatus::kAbandoned;
}

ReadStatus Subscriber::ReportLap(Record* record) noexcept {
  const std::uint64_t head = LoadHalfAcquire(&segment_->claim()->next_id);
  // Resume with slack (a quarter ring) so a fast writer does not lap us again at once.
  const std::uint64_t keep = index_slots_ - index_slots_ / 4;
  std::uint64_t lo = head > keep ? head - keep : 0;
  if (lo < next_id_ + 1) lo = next_id_ + 1;
  std::uint64_t resume = FirstIntact(lo, capacity_ / 4);
  // A durable reader lapped below protected_from_ skips nothing from there on.
  if (durable_ && resume > protected_from_) resume = std::max(next_id_ + 1, protected_from_);
  record->id = next_id_;
  record->body = {};
  record->gap_first = next_id_;
  record->gap_last = resume - 1;
  gaps_ += resume - next_id_;
  next_id_ = resume;
  PublishProgress(true);
  return ReadStatus::kGap;
}

ReadStatus Subscriber::HandleUnfinished(std::uint64_t stale, Record* record) noexcept {
  const std::int64_t now = MonotonicNanos();
  if (stalled_id_ != next_id_) {
    stalled_id_ = next_id_;
    stalled_since_ns_ = now;
    last_check_ns_ = now;
    return ReadStatus::kEmpty;
  }
  if (now - last_check_ns_ < kAbandonCheckIntervalNs) return ReadStatus::kEmpty;
  last_check_ns_ = now;
  if (TryAbandon(segment_, next_id_, stale, now - stalled_since_ns_))
    return ReportAbandoned(record);
  return ReadStatus::kEmpty;
}

std::uint64_t Subscriber::FirstIntact(std::uint64_t lo, std::uint64_t slack_bytes) const noexcept {
  const ClaimWord* claim = segment_->claim();
  const std::uint64_t head = LoadHalfAcquire(&claim->next_id);
  const std::uint64_t tail = LoadHalfAcquire(&claim->tail);
  auto intact = [&](std::uint64_t id) {
    const IndexEntry* e = segment_->index_entry(id);
    const std::uint64_t c = e->commit.load(std::memory_order_acquire);
    if (c == AbandonedValue(id)) return true;
    if (c != CommittedValue(id)) return (c & ~kAbandonedBit) < id + 1;  // in flight: recent
    return CopyFields(*e).data_pos + capacity_ >= tail + slack_bytes;
  };
  std::uint64_t hi = head;  // binary search for the first intact id in [lo, head)
  while (lo < hi) {
    std::uint64_t mid = lo + (hi - lo) / 2;
    if (intact(mid)) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

ReadStatus Subscriber::Read(Record* record, std::int64_t timeout_ns) {
  const std::int64_t deadline = timeout_ns < 0 ? INT64_MAX : MonotonicNanos() + timeout_ns;
  WaitWord* w = segment_->wait_word();
  while (true) {
    ReadStatus r = TryRead(record);
    if (r != ReadStatus::kEmpty) return r;
    std::int64_t now = MonotonicNanos();
    if (now >= deadline) return r;
    std::int64_t until = deadline;
    if (stalled_id_ == next_id_ && now + kAbandonCheckIntervalNs < until) {
      until = now + kAbandonCheckIntervalNs;  // come back for the abandon check
    }
    // Ready once the entry holds a value for next_id_ or later (committed,
    // abandoned or reused), which is exactly when TryRead can make progress.
    const IndexEntry* e = segment_->index_entry(next_id_);
    const std::uint64_t want = next_id_ + 1;
    const Sleeper me = SubscriberSleeper(*segment_, slot_index_);
    WaitUntil(wait_, &w->published_seq, me, until, INT64_MAX, [e, want] {
      return (e->commit.load(std::memory_order_acquire) & ~kAbandonedBit) >= want;
    });
  }
}

// Invariant 3. Non-durable: the cursor is for the inspector only, so it and
// the counters are stored once per kProgressBatch reads. Durable: the cursor
// is stored after every read (producers gate on it, and a restarted
// subscriber resumes from it), the wake-up check once per wake_batch_ reads.
void Subscriber::PublishProgress(bool force) noexcept {
  if (!durable_ && !force && ++unpublished_ < kProgressBatch) return;
  unpublished_ = 0;
  slot_->delivered.store(delivered_, std::memory_order_relaxed);
  slot_->gaps.store(gaps_, std::memory_order_relaxed);
  slot_->abandoned_seen.store(abandoned_, std::memory_order_relaxed);
  slot_->corrupt_seen.store(corrupt_, std::memory_order_relaxed);
  slot_->byte_pos.store(byte_pos_, std::memory_order_release);
  // SYNC POINT WRITE: subscriber.cursor -- this reader has finished with every
  // id below next_id and every byte below byte_pos; producers may reuse them.
  slot_->next_id.store(next_id_, std::memory_order_release);
  if (durable_ && (force || ++unwoken_ >= wake_batch_)) WakeProducers();
}

// Invariant 4. The seq_cst fence in WakeBackPressuredProducers pairs with
// the one a producer issues after joining producer_waiters and before it
// re-checks this cursor (wait.h invariant 1): whichever comes second sees the
// other. Doing it once per wake_batch_ records (and before every wait) lets a
// producer that registered meanwhile sleep until the next check or the end of
// its sleep slice (1 ms) at most; the cursor it gates on was stored, with
// release, after every record all along.
void Subscriber::WakeProducers() noexcept {
  unwoken_ = 0;
  WakeBackPressuredProducers(*segment_);
}

void Subscriber::CatchUpBeforeWaiting() noexcept {
  if (unpublished_ != 0) {
    PublishProgress(true);
  } else if (unwoken_ != 0) {
    WakeProducers();
  }
}

}  // namespace evbus::shm
