// LiveHub: one reader per stream that hands each new event to every live
// client (SSE or WebSocket) of that stream, and the bounded queue each
// client reads from.
//
// The hub never waits for a client: a queue that is full drops the event and
// remembers the range it dropped; the client then gets one gap item
// [first, last] (the ids to fetch again or resume from) ahead of the events
// that follow. Producers never wait for the hub either: it reads the ring as
// a non-durable subscriber (persist/unified_view.h).
//
// Thread safety: Attach/Detach from any thread; one hub thread offers, the
// owning client thread takes.
// Invariants:
//   1. A queue hands out items in id order; an id is in at most one item.
//   2. Every id offered after Attach returned is either taken as an event
//      or covered by exactly one gap item.
//   3. A queue never holds more than its byte budget (one item beyond it at most).
//   4. The hub reads every id from the stream's head at its construction on,
//      however late its thread first runs, except ids it jumps over when the
//      head gets too far ahead of it: those reach every client as one gap item.
#ifndef EVBUS_TOOLS_SERVE_LIVE_HUB_H_
#define EVBUS_TOOLS_SERVE_LIVE_HUB_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "persist/unified_view.h"
#include "shm/record.h"
#include "shm/subscriber.h"

namespace evbus::serve {

struct LiveItem {
  enum class Kind { kEvent, kGap, kLost };
  Kind kind = Kind::kEvent;
  std::int64_t first = 0, last = 0;         // an event: first == last == its id
  std::shared_ptr<const std::string> json;  // events only
};

class LiveClientQueue {
 public:
  explicit LiveClientQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  // Hub thread only; never blocks on the client. True when the client may
  // be waiting for this item: the hub then calls Wake, once per batch.
  bool Offer(LiveItem item);
  void Wake() { ready_.notify_one(); }
  // Client thread: moves what is queued into *out (a pending gap last),
  // waiting up to `timeout` for something. False when nothing came.
  bool Take(std::vector<LiveItem>* out, std::chrono::milliseconds timeout);

 private:
  const std::size_t max_bytes_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<LiveItem> items_;
  std::size_t bytes_ = 0;
  std::optional<LiveItem> gap_;  // dropped ids not yet reported
};

class LiveHub {
 public:
  explicit LiveHub(std::shared_ptr<persist::UnifiedView> view);
  ~LiveHub();
  LiveHub(const LiveHub&) = delete;
  LiveHub& operator=(const LiveHub&) = delete;

  // Every id the hub reads after this returns reaches the queue (or its gap).
  std::shared_ptr<LiveClientQueue> Attach(std::size_t max_bytes);
  void Detach(const std::shared_ptr<LiveClientQueue>& queue);
  persist::UnifiedView* view() const { return view_.get(); }

 private:
  void Run();
  void JumpIfFarBehind(shm::SubscriberOptions options, std::unique_ptr<shm::Subscriber>* sub);
  void HandleRead(shm::ReadStatus status, const shm::Record& record, persist::StoredEvent* event);
  void RunOverView(std::int64_t next);
  void Offer(const LiveItem& item);
  void OfferStored(const persist::StoredEvent& event);
  void WakeWaiting();  // the clients that Offer found waiting since the last call

  std::shared_ptr<persist::UnifiedView> view_;
  const std::int64_t first_id_;  // the first id the hub reads (the head when made)
  std::mutex mu_;                // guards clients_
  std::vector<std::shared_ptr<LiveClientQueue>> clients_;
  std::vector<std::shared_ptr<LiveClientQueue>> to_wake_;  // hub thread only
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_LIVE_HUB_H_
