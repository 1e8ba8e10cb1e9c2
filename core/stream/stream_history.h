// StreamHistory: one continuous view of a stream's events, the persisted
// store for what the ring no longer holds and the ring for the rest, with no
// hole between them (OpenHands' EventStore over evbus).
//
// Reads go through a fresh, non-durable shm::Subscriber positioned at the
// first id wanted. When the ring reports a gap (those ids were overwritten),
// exactly that range is read from the store; if the store does not hold it
// yet and a durable consumer (the persister) is registered, the store is
// re-read for up to `history_wait_ns` before the ids are reported lost.
//
// Thread safety: all methods may be called from any thread concurrently
// (each call uses its own Subscriber; the Store is thread-safe).
// Invariants:
//   1. ForEach hands out ids in strictly increasing order, each at most once.
//   2. An id is reported lost only when neither the ring nor the store had it.
#ifndef EVBUS_CORE_STREAM_STREAM_HISTORY_H_
#define EVBUS_CORE_STREAM_STREAM_HISTORY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/status.h"
#include "persist/store.h"
#include "shm/segment.h"

namespace evbus {

struct HistoryOptions {
  std::string store_root, session_id, user_id;
  std::size_t page_cache_pages = 16;
  std::int64_t history_wait_ns = 1'000'000'000;
  std::int64_t in_flight_wait_ns = 100'000'000;  // wait for an id claimed but not yet committed
};

class StreamHistory {
 public:
  // Called per event; return false to stop.
  using Visitor = std::function<bool(const persist::StoredEvent&)>;
  // Called for ids nobody holds: [first, last].
  using LostVisitor = std::function<void(std::int64_t first, std::int64_t last)>;

  StreamHistory(shm::Segment* segment, HistoryOptions options);

  // Events with ids in [from, to] (inclusive) in id order. Stops at `to`, at
  // the ring's head (what is committed now), or when `visit` returns false.
  // Sets *next to the first id not handed out (or reported lost).
  Status ForEach(std::int64_t from, std::int64_t to, const Visitor& visit, const LostVisitor& lost,
                 std::int64_t* next);

  // OpenHands' search_events over the whole history.
  Result<std::vector<persist::StoredEvent>> Search(const persist::SearchQuery& query);
  // The event with that id; NotFound if neither the ring nor the store has it.
  Result<persist::StoredEvent> Get(std::int64_t id);
  // max(ring head - 1, store latest); -1 when the stream is empty.
  std::int64_t LatestId();
  // Ids handed out so far by the ring (its next id).
  std::uint64_t RingHead() const noexcept;

  // The store, opened on first use; null while the stream has none.
  persist::Store* store();

 private:
  // Reads [first, last] from the store (waiting for the persister as above).
  // *next: the id after the last one handed out (last + 1 when done).
  Status FromStore(std::int64_t first, std::int64_t last, const Visitor& visit,
                   const LostVisitor& lost, std::int64_t* next, bool* stopped);
  bool HasDurableConsumer() const;

  shm::Segment* segment_;
  HistoryOptions options_;
  std::mutex mu_;  // guards store_
  std::unique_ptr<persist::Store> store_;
};

}  // namespace evbus

#endif  // EVBUS_CORE_STREAM_STREAM_HISTORY_H_
