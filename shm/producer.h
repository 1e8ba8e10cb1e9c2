// Producer: appends records to a segment's ring (claim {id, space} with one
// 16-byte CAS, write, commit with one release CAS). See docs/shm_layout.md.
//
// Thread safety: a Producer is thread-compatible: one thread at a time uses
// it. Threads that publish concurrently attach one Producer each (up to
// kProducerSlots per segment, across all processes). Any number of Producers
// in any processes publish to one segment concurrently.
// Invariants:
//   1. Ids are dense and unique across all producers; ring order == id order.
//   2. A record's entry commit word goes from a stale value to
//      CommittedValue(id) exactly once, with release, after every byte of the
//      body and every entry field is written; or to AbandonedValue(id) by a
//      reader, in which case the commit CAS fails and nothing is delivered.
//   3. The slot's state is CLAIMING, CLAIMED|id or (restartable producers)
//      INTENT|id whenever this producer may own an uncommitted id (readers
//      rely on this to decide abandonment); a restartable producer's claim
//      CAS for id is always preceded by INTENT|id, replaced only after its
//      claimant store.
//   4. The publish fast path makes no system call and no allocation: the
//      futex wake happens only when a waiter is registered.
//   5. No durable subscriber is ever overrun: a claim that would overwrite
//      data or an index entry it has not consumed is not made.
#ifndef EVBUS_SHM_PRODUCER_H_
#define EVBUS_SHM_PRODUCER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "shm/liveness.h"
#include "shm/record.h"
#include "shm/segment.h"
#include "shm/sleepers.h"

namespace evbus::shm {

enum class PublishResult {
  kOk,             // *id is the record's id
  kTooLarge,       // body > max_record_size; nothing written
  kBackPressured,  // a durable subscriber (or an unfinished older record) blocks the claim
  kAbandoned,      // a reader gave up on this record before it was committed
};

class Producer {
 public:
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Takes a free (or dead owner's) producer slot of a read-write segment.
  // `name` (<= 39 chars) shows in the inspector and in errors. Any thread.
  // A `restartable` producer's claims are not abandoned before the segment's
  // abandon timeout even if it dies: its restarted process, which produces
  // the same records again, finishes them with TakeOverClaim
  // (docs/shm_layout.md section 7, "Restartable producers"). A restartable
  // producer that `hold_claims` (a mirror's only producer: bridge in) has
  // its claims never abandoned by the timeout either: readers wait for its
  // restart however long it takes ("Held claims").
  static Result<std::unique_ptr<Producer>> Attach(Segment* segment, std::string_view name,
                                                  bool restartable = false,
                                                  bool hold_claims = false);

  // Finishes `id`, the segment's last claim, left unfinished by a dead
  // restartable producer, with the record it was writing (`meta`, `body`
  // must be that record: the body must fill the reserved bytes exactly; a
  // big event's body, above max_record_size, is written to its body file
  // again and its reference fills them).
  // OK: committed (or it already was). Busy: the claimant lives (nothing
  // written). Unavailable: `id` is abandoned (by a reader after the abandon
  // timeout, or here because the claimant is not known or the body does not
  // fit the reservation); the message says which. Owner thread only.
  Status TakeOverClaim(std::uint64_t id, const RecordMeta& meta, std::string_view body);

  // One attempt, never blocks. Owner thread only.
  [[nodiscard]] PublishResult TryPublish(const RecordMeta& meta, std::string_view body,
                                         std::uint64_t* id) noexcept;

  // Retries TryPublish while back-pressured, up to timeout_ns (<0: forever);
  // then BackPressured naming the lagging durable subscriber (or the
  // unfinished record). A body above max_record_size (up to kMaxEventBytes,
  // shm/body_file.h) goes to a body file referenced from the ring; TooLarge
  // names the limit beyond that. Owner thread only.
  Status Publish(const RecordMeta& meta, std::string_view body, std::int64_t timeout_ns,
                 std::uint64_t* id);

  // Claims the next id with no bytes and marks it abandoned at once: a
  // mirror's place for an id its origin never had (bridge in's marker).
  // Gated like any claim (invariant 5): waits up to timeout_ns (<0: forever)
  // while back-pressured, then BackPressured naming the blocker. Readers
  // report kAbandoned with this producer's pid. Owner thread only.
  Status PublishAbandoned(std::int64_t timeout_ns, std::uint64_t* id);

  std::uint32_t slot_index() const { return slot_index_; }
  const std::string& name() const { return name_; }

 private:
  enum class Blocker { kNone, kDurable, kInFlight };
  // What a successful claim reserved (TryPublish's two steps, producer.cc).
  struct Claim {
    std::uint64_t id = 0;
    std::uint64_t start = 0;  // ring position of the record's bytes
    std::uint64_t stale = 0;  // the entry's commit word before this lap
    IndexEntry* entry = nullptr;
  };
  Producer() = default;
  Status AcquireSlot(const Segment& segment, bool restartable, bool* keep_intent);
  void RecordIntent(std::uint64_t id, std::uint64_t start) noexcept;
  PublishResult ClaimNext(std::uint64_t size, Claim* claim) noexcept;
  PublishResult CommitClaim(const Claim& claim, const RecordMeta& meta, std::string_view body,
                            std::uint64_t* id) noexcept;
  // Stores where the claim's bytes start and who claimed it, then
  // CLAIMED|id in the slot (before the body, or before abandoning it).
  void StoreClaimant(const Claim& claim) noexcept;
  // Marks this producer's own claim abandoned: nothing is committed for it.
  void AbandonOwnClaim(const Claim& claim) noexcept;
  [[nodiscard]] PublishResult TryPublishAbandoned(std::uint64_t* id) noexcept;
  // Publish's loop: `attempt` again while back-pressured, up to timeout_ns
  // (producer_publish.cc). `body_size` is for the TooLarge message.
  template <typename Attempt>
  Status RetryWhileBackPressured(Attempt attempt, std::int64_t timeout_ns, std::size_t body_size);
  // Big events (producer_big.cc): reserve room in the body budget, then
  // publish a reference whose claim writes the body file before committing.
  Status PublishBig(const RecordMeta& meta, std::string_view body, std::int64_t timeout_ns,
                    std::uint64_t* id);
  Status WaitForBodyRoom(std::uint64_t need, std::int64_t deadline_ns);
  // Between claim and commit: writes big_body_'s file, or abandons the claim.
  bool WriteBigBody(const Claim& claim) noexcept;
  bool RefreshGate(std::uint64_t next_id, std::uint64_t tail) noexcept;
  void WriteRecord(std::uint64_t id, std::uint64_t pos, const RecordMeta& meta,
                   std::string_view body) noexcept;
  // TakeOverClaim's steps (producer_takeover.cc).
  Status CheckTakeOver(std::uint64_t id, std::uint64_t* seen_claimant, std::uint64_t* start,
                       bool* known) const;
  Status FindIntent(std::uint64_t id, std::uint64_t* start, bool* found) const;
  bool FitsReservation(std::uint64_t start, std::size_t length,
                       std::uint64_t* reserved) const noexcept;
  Status AbandonForTakeOver(std::uint64_t id, std::uint64_t stale, const std::string& why);
  Status FinishTakeOver(std::uint64_t id, std::uint64_t start, std::uint64_t stale,
                        const RecordMeta& meta, std::string_view body);
  Status FinishBigTakeOver(std::uint64_t id, std::uint64_t start, std::uint64_t stale,
                           const RecordMeta& meta, std::string_view body);
  bool CommitTakenOver(std::uint64_t id, std::uint64_t start, std::uint64_t stale,
                       const RecordMeta& meta, std::string_view body) noexcept;
  std::string DescribeBlocker() const;
  bool WaitForProgress(std::int64_t deadline_ns);
  void PublishStats() noexcept;

  Segment* segment_ = nullptr;
  ProducerSlot* slot_ = nullptr;
  std::uint32_t slot_index_ = 0;
  std::int32_t pid_ = 0;             // stored as each claim's claimant
  std::uint64_t claimant_bits_ = 0;  // kClaimantRestartable (| kClaimantHold) or 0
  std::string name_;
  LivenessLock lock_;
  std::uint64_t capacity_ = 0;
  std::uint64_t index_slots_ = 0;
  std::uint32_t max_record_size_ = 0;
  // Cached gating limits (exclusive): claims may end at or below these.
  std::uint64_t id_limit_ = 0;
  std::uint64_t pos_limit_ = 0;
  Blocker blocker_ = Blocker::kNone;
  std::uint64_t blocked_id_ = 0;     // the in-flight id or the laggard's cursor
  std::uint64_t blocked_stale_ = 0;  // the in-flight id's entry value
  int laggard_slot_ = -1;            // subscriber slot that set the limit
  std::uint64_t published_ = 0, bytes_ = 0, waits_ = 0, abandoned_ = 0;
  WakeMemo wake_memo_;  // the sets this producer's last wake saw (shm/sleepers.h)
  // While PublishBig runs: the big body whose reference is being published,
  // and why writing its file failed.
  const std::string_view* big_body_ = nullptr;
  Status big_status_;
};

namespace testing {
// Called between claim and commit with the claimed id; null by default. Costs
// one relaxed load when unset. For crash tests (kill a producer mid-record).
using PauseHook = void (*)(std::uint64_t id);
void SetPauseAfterClaimHook(PauseHook hook);
// Called by a restartable producer between its claim CAS and its claimant
// store (the window the claim intent covers); null by default.
void SetPauseBeforeClaimantHook(PauseHook hook);
}  // namespace testing

}  // namespace evbus::shm

#endif  // EVBUS_SHM_PRODUCER_H_
