// Subscriber: reads a segment's ring in id order with its own cursor.
// See docs/shm_layout.md ("Read").
//
// Thread safety: a Subscriber is thread-compatible (one thread at a time).
// Any number of Subscribers in any processes read one segment; they never
// write producer cache lines (only their own slot, and an index entry's
// commit word when they abandon a dead producer's record).
// Invariants:
//   1. Records are returned in strictly increasing id order; every id from
//      the start position on is accounted for exactly once: as a record, in
//      a gap, as abandoned or as corrupt.
//   2. A record is returned only if its commit word said committed before the
//      copy and the claim word shows it was not overwritten after the copy
//      (seqlock re-check); otherwise the ids lost are a kGap.
//   3. A durable subscriber's cursor (next_id, byte_pos) only grows and is
//      published with release after every read, so producers never overwrite
//      what it has not read, and a durable subscriber restarted after a crash
//      resumes right after the last record it read. That holds from the head
//      it loads when it attaches (protected_from_) on: a producer's gate cache
//      may predate the registration, so older ids (kOldest, kAtId, a resumed
//      cursor behind that head) get the seqlock re-check of invariant 2, and
//      a lap among them never skips an id from protected_from_ on.
//   4. A durable subscriber checks for producers sleeping on its cursor (a
//      seq_cst fence, then the futex wake if one sleeps) once per wake_batch
//      reads, on rare events, by FlushProgress, and before every kEmpty
//      return, so never with a check owed while it waits.
#ifndef EVBUS_SHM_SUBSCRIBER_H_
#define EVBUS_SHM_SUBSCRIBER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "shm/liveness.h"
#include "shm/record.h"
#include "shm/segment.h"
#include "shm/wait.h"

namespace evbus::shm {

enum class StartAt { kOldest, kLatest, kAtId };

struct SubscriberOptions {
  std::string name;  // <= 31 chars; a durable subscriber is identified by it
  bool durable = false;
  StartAt start = StartAt::kOldest;
  std::uint64_t start_id = 0;  // for kAtId
  WaitStrategy wait = WaitStrategy::kBlocking;
  // Durable only: how many records it reads between two checks for
  // producers sleeping on its cursor (each check costs a seq_cst fence; the
  // cursor itself is published after every record). 0: kDefaultWakeBatch, at
  // most index_slots / 8; 1: after every record (as before batching).
  // Clamped to index_slots / 2.
  std::uint32_t wake_batch = 0;
};

inline constexpr std::uint32_t kDefaultWakeBatch = 64;

class Subscriber {
 public:
  ~Subscriber();  // non-durable: frees the slot; durable: keeps gating
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Takes a subscriber slot of a read-write segment. A durable subscriber
  // whose name has a registration from an earlier run (its process gone)
  // resumes from that cursor and ignores `start`; AlreadyExists if that
  // registration's process still lives.
  static Result<std::unique_ptr<Subscriber>> Attach(Segment* segment,
                                                    const SubscriberOptions& options);

  // Drops a durable registration left by a subscriber that is gone, so it no
  // longer gates producers. Busy if its process still lives.
  static Status Unregister(Segment* segment, std::string_view name);

  // One attempt, never sleeps. Owner thread only.
  [[nodiscard]] ReadStatus TryRead(Record* record) noexcept;

  // Waits (by the configured strategy) up to timeout_ns (<0: forever) for
  // something other than kEmpty. Owner thread only.
  ReadStatus Read(Record* record, std::int64_t timeout_ns);

  // Publishes the cursor and counters and, if durable, wakes producers
  // sleeping on its cursor, now. Reads do it once per wake_batch and whenever
  // they find nothing new; a durable subscriber that stops reading before
  // that (e.g. at a bound of its own, as the persister's gate does) calls
  // this so producers waiting for room go on at once. Owner thread only.
  void FlushProgress() noexcept { PublishProgress(true); }

  std::uint64_t next_id() const { return next_id_; }
  std::uint32_t slot_index() const { return slot_index_; }
  bool durable() const { return durable_; }

 private:
  Subscriber() = default;
  Status TakeSlot(const SubscriberOptions& options);
  void SetWakeBatch(std::uint32_t requested);
  void ChooseStart(const SubscriberOptions& options, bool resumed);
  ReadStatus ReadCommitted(const IndexEntry& entry, Record* record) noexcept;
  // A record whose ring bytes are a reference (kind != inline): reads its
  // body file into body_buffer_ and points *body at it (subscriber_body.cc).
  ReadStatus ReadReferencedBody(std::uint16_t kind, std::uint64_t end_pos, std::string_view* body,
                                Record* record) noexcept;
  // The seqlock re-check after a copy: whether a later claim may have
  // reused entry `id` or the bytes from `data_pos` on (non-durable readers).
  bool Lapped(std::uint64_t id, std::uint64_t data_pos) const noexcept;
  ReadStatus ReportCorrupt(Record* record) noexcept;
  ReadStatus ReportLap(Record* record) noexcept;
  ReadStatus ReportAbandoned(Record* record) noexcept;
  ReadStatus HandleUnfinished(std::uint64_t stale, Record* record) noexcept;
  void PublishProgress(bool force) noexcept;
  void WakeProducers() noexcept;
  void CatchUpBeforeWaiting() noexcept;
  // First id >= lo whose record is still intact with `slack_bytes` to spare.
  std::uint64_t FirstIntact(std::uint64_t lo, std::uint64_t slack_bytes) const noexcept;

  Segment* segment_ = nullptr;
  SubscriberSlot* slot_ = nullptr;
  std::uint32_t slot_index_ = 0;
  bool durable_ = false;
  WaitStrategy wait_ = WaitStrategy::kBlocking;
  LivenessLock lock_;
  std::uint64_t capacity_ = 0;
  std::uint64_t index_slots_ = 0;
  std::uint64_t next_id_ = 0;
  std::uint64_t byte_pos_ = 0;
  // Durable: the ids from here on are in every producer's gate (invariant 3).
  std::uint64_t protected_from_ = 0;
  std::vector<char> buffer_;       // max_record_size bytes, allocated at attach
  std::vector<char> body_buffer_;  // the last big event's body (one copy)
  // Stall tracking for the abandon decision (id, first seen, last check).
  std::uint64_t stalled_id_ = ~std::uint64_t{0};
  std::int64_t stalled_since_ns_ = 0;
  std::int64_t last_check_ns_ = 0;
  std::uint64_t delivered_ = 0, gaps_ = 0, abandoned_ = 0, corrupt_ = 0;
  static constexpr std::uint64_t kProgressBatch = 64;  // non-durable
  std::uint64_t unpublished_ = 0;  // non-durable: reads since the cursor was stored
  std::uint64_t unwoken_ = 0;      // durable: reads since the last wake-up check
  std::uint64_t wake_batch_ = kDefaultWakeBatch;
};

}  // namespace evbus::shm

#endif  // EVBUS_SHM_SUBSCRIBER_H_
