// UnifiedView: one continuous view of a stream's events, the persisted store
// for what the ring no longer holds and the ring for the rest, with no hole
// between them and no duplicate (OpenHands' EventStore over evbus).
//
// Reads of the ring go through a fresh, non-durable shm::Subscriber
// positioned at the first id wanted. When the ring reports a gap (those ids
// were overwritten), exactly that range is read from the store; if the store
// does not hold it yet and a durable consumer (the persister) is registered,
// the store is re-read for up to `store_wait_ns` before the ids are reported
// lost. Ids below the ring's first id come from the store alone. Without a
// segment (no stream in shared memory, e.g. after a reboot) the view is the
// store alone.
//
// Thread safety: all methods may be called from any thread concurrently
// (each call uses its own Subscriber; the Store is thread-safe).
// Invariants:
//   1. ForEach hands out ids in strictly increasing order, each at most once.
//   2. An id is reported lost only when neither the ring nor the store had it.
//   3. Every id below LatestId() that the ring or the store holds is handed
//      out by a ForEach/SearchEventsJson that covers it (no hole).
#ifndef EVBUS_PERSIST_UNIFIED_VIEW_H_
#define EVBUS_PERSIST_UNIFIED_VIEW_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/status.h"
#include "persist/store.h"
#include "shm/record.h"
#include "shm/segment.h"

namespace evbus::persist {

struct UnifiedViewOptions {
  std::string store_root;  // empty: no store (ring only)
  std::string session_id, user_id;
  std::size_t page_cache_pages = 16;
  // How long to wait for the persister to store ids the ring dropped.
  std::int64_t store_wait_ns = 1'000'000'000;
  // How long to wait for an id claimed but not yet committed.
  std::int64_t in_flight_wait_ns = 100'000'000;
};

class UnifiedView {
 public:
  // Called per event; return false to stop.
  using Visitor = std::function<bool(const StoredEvent&)>;
  // Called for ids nobody holds (or held as missing): [first, last].
  using LostVisitor = std::function<void(std::int64_t first, std::int64_t last)>;

  // Over a segment the caller keeps alive (may be null: the store alone).
  UnifiedView(shm::Segment* segment, UnifiedViewOptions options);

  // Attaches the stream's segment if it exists (read-write: reading the ring
  // takes a non-durable subscriber slot for the length of a call) and opens
  // the store under options.store_root if it exists. NotFound if neither.
  static Result<std::unique_ptr<UnifiedView>> Open(UnifiedViewOptions options);

  // Events with ids in [from, to] (inclusive) in id order. Stops at `to`, at
  // the ring's head (what is committed now), or when `visit` returns false.
  // Sets *next to the first id not handed out (or reported lost).
  Status ForEach(std::int64_t from, std::int64_t to, const Visitor& visit, const LostVisitor& lost,
                 std::int64_t* next);

  // OpenHands' search_events over the store and the ring (Store's semantics).
  Result<std::vector<StoredEvent>> SearchEventsJson(const SearchQuery& query);
  // The event with that id; NotFound if neither the ring nor the store has it.
  Result<StoredEvent> GetEventJson(std::int64_t id);
  // The newest event; NotFound when the stream is empty.
  Result<StoredEvent> GetLatestEventJson();
  // max(ring head - 1, store latest); -1 when the stream is empty.
  std::int64_t GetLatestEventId();
  // Ids handed out so far by the ring (its next id); 0 without a segment.
  std::uint64_t RingHead() const noexcept;

  // The store, opened on first use; null while the stream has none.
  Store* store();
  shm::Segment* segment() const { return segment_; }

 private:
  // Reads [first, last] from the store (waiting for the persister as above).
  // *next: the id after the last one handed out (last + 1 when done).
  Status FromStore(std::int64_t first, std::int64_t last, bool wait, const Visitor& visit,
                   const LostVisitor& lost, std::int64_t* next, bool* stopped);
  Status FromRing(std::int64_t cursor, std::int64_t to, const Visitor& visit,
                  const LostVisitor& lost, std::int64_t* next);
  bool HasDurableConsumer() const;

  std::unique_ptr<shm::Segment> owned_segment_;  // set by Open
  shm::Segment* segment_;
  UnifiedViewOptions options_;
  std::mutex mu_;  // guards store_
  std::unique_ptr<Store> store_;
};

// The StoredEvent of a ring record (its JSON with the id put first), or the
// Corruption EventMetaFromRecord finds in its header (shm/event_record.h):
// readers skip such a record as they skip one that failed its checksum.
Status StoredEventFromRecord(const shm::Record& record, StoredEvent* out);

// True when a durable subscriber (the persister's gate) is registered on
// `segment`: ids the ring drops will reach the store.
bool HasDurableSubscriber(const shm::Segment& segment);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_UNIFIED_VIEW_H_
