// RefillingSubscriber: a live, non-durable reader of a stream that never
// shows a hole. It wraps an shm::Subscriber; when the ring laps it (invariant
// 5 in docs/architecture.md: the subscriber gets the exact gap [a, b]), it reads a..b from
// the store instead, waiting up to `store_wait_ns` for the persister to reach
// b if it is behind, then continues from the ring where the gap ended. Ids
// that neither the ring nor the store holds are reported, as one range.
//
//   auto sub = RefillingSubscriber::Attach(segment, options).value();
//   StoredEvent ev;
//   while (true) switch (sub->Read(&ev, timeout_ns)) { ... }
//
// Thread safety: thread-compatible (one thread at a time), like the
// shm::Subscriber it wraps. The segment must outlive it.
// Invariants:
//   1. Read hands out ids in strictly increasing order; every id from the
//      start on is accounted for exactly once: as an event (from the ring or
//      the store), as missing (abandoned, or recorded missing by the
//      persister) or as lost (in neither the ring nor the store).
//   2. An id is reported lost only after the store was re-read and did not
//      reach it by the deadline (immediately when no durable consumer, i.e.
//      no persister, is registered).
#ifndef EVBUS_PERSIST_REFILLING_SUBSCRIBER_H_
#define EVBUS_PERSIST_REFILLING_SUBSCRIBER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/status.h"
#include "persist/store.h"
#include "shm/segment.h"
#include "shm/subscriber.h"

namespace evbus::persist {

struct RefillOptions {
  shm::SubscriberOptions subscriber;  // must not be durable
  std::string store_root;             // the persister's root
  std::string session_id, user_id;    // the stream
  std::size_t page_cache_pages = 16;
  // How long one gap may wait for the persister to store its last id.
  std::int64_t store_wait_ns = 5'000'000'000;
};

enum class RefillRead : std::uint8_t {
  kEvent,    // *event holds the next event (from the ring or the store)
  kEmpty,    // nothing new within the timeout
  kMissing,  // ids [first, last] have no event: abandoned or recorded missing
  kLost,     // ids [first, last] are in neither the ring nor the store
};

struct RefillStats {
  std::uint64_t from_ring = 0;
  std::uint64_t from_store = 0;
  std::uint64_t gaps = 0;     // times the ring lapped this reader
  std::uint64_t missing = 0;  // ids
  std::uint64_t lost = 0;     // ids
};

class RefillingSubscriber {
 public:
  static Result<std::unique_ptr<RefillingSubscriber>> Attach(shm::Segment* segment,
                                                             const RefillOptions& options);

  // The next id's outcome. kMissing/kLost set *first and *last (inclusive).
  // timeout_ns bounds the wait for live records (< 0: forever); a refill may
  // also wait up to store_wait_ns for the persister.
  RefillRead Read(StoredEvent* event, std::int64_t timeout_ns, std::int64_t* first,
                  std::int64_t* last);

  // The next id Read will account for.
  std::uint64_t next_id() const { return next_id_; }
  const RefillStats& stats() const { return stats_; }

 private:
  RefillingSubscriber(shm::Segment* segment, const RefillOptions& options)
      : segment_(segment), options_(options) {}
  // Starts refilling [first, last] from the store.
  void BeginRefill(std::uint64_t first, std::uint64_t last);
  RefillRead ReadRefill(StoredEvent* event, std::int64_t* first, std::int64_t* last);
  Store* OpenStore();

  shm::Segment* segment_;
  RefillOptions options_;
  std::unique_ptr<shm::Subscriber> sub_;
  std::unique_ptr<Store> store_;
  std::uint64_t next_id_ = 0;
  // The gap being refilled: ids [next_id_, refill_last_] while refilling_.
  bool refilling_ = false;
  std::uint64_t refill_last_ = 0;
  std::optional<EventIterator> refill_it_;
  std::int64_t refill_store_latest_ = -1;  // the store's latest id when the refill began
  std::optional<StoredEvent> pending_;     // read from the store beyond a missing range
  RefillStats stats_;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_REFILLING_SUBSCRIBER_H_
