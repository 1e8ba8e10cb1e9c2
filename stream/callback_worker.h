// CallbackWorker: one subscribed callback, its own thread and its own bounded
// queue, fed in id order by the stream's dispatcher.
//
// A slow callback never delays the dispatcher (so never the other callbacks
// or the producers): the dispatcher only ever try-enqueues. When the queue is
// full, FullQueuePolicy::kCatchUp (default) hands the callback over to
// catch-up: the dispatcher stops enqueueing for it and notes the first id it
// missed; the worker, once its queue is drained, reads the missed range
// itself from the stream's history (ring, or store where overwritten) and is
// switched back to its queue by the dispatcher when it has caught up. kDrop
// drops and counts instead. A subscription that starts in the past is a
// callback that starts in catch-up.
//
// The handoff word decides every id exactly once between the two sides:
//   LIVE | x   the dispatcher enqueues every event (x is unused);
//   x          catch-up: the worker has delivered every id below x and
//              delivers x next, from history, by CAS x -> id + 1 before it
//              calls back; the dispatcher, offering event x, switches the
//              word to LIVE | x by CAS and enqueues x. One CAS wins.
//
// Thread safety: Offer/OfferGap are dispatcher-only (one thread); the
// callback runs on the worker thread only; the rest may be called from any
// thread.
// Invariants:
//   1. The callback sees ids in strictly increasing order, each at most once.
//   2. In catch-up the queue is empty and the dispatcher enqueues nothing
//      until it has switched the handoff word to LIVE.
//   3. Every id at or after the start id is delivered, or counted as
//      dropped (kDrop), lost (no longer anywhere) or discarded (close timeout).
//   4. Direct: the reader is used by the worker thread only, and released
//      by it before Join returns (the segment may be unmapped after).
#ifndef EVBUS_STREAM_CALLBACK_WORKER_H_
#define EVBUS_STREAM_CALLBACK_WORKER_H_

#include <concurrentqueue/blockingconcurrentqueue.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "base/status.h"
#include "core/event.h"
#include "shm/subscriber.h"
#include "stream/metrics_region.h"
#include "stream/ring_prefaulter.h"
#include "stream/stream_history.h"
#include "stream/stream_metrics.h"
#include "stream/stream_options.h"
#include "stream/subscriber_id.h"

namespace evbus {

using EventCallback = std::function<void(const Event&)>;
using EventJsonCallback = std::function<void(std::string_view json)>;
using LogFunction = std::function<void(const std::string&)>;

class CallbackWorker {
 public:
  static constexpr std::uint64_t kLive = std::uint64_t{1} << 63;

  // What the workers of one stream share with it.
  struct Context {
    const void* owner = nullptr;           // the stream (CallingThreadOwner)
    StreamHistory* history = nullptr;      // catch-up reads
    RingPrefaulter* prefaulter = nullptr;  // noted after each ring read; may be null
    LogFunction log;
  };

  // `reader` null: fed by the dispatcher (Offer). Otherwise direct dispatch:
  // a non-durable reader of the stream's ring positioned at `start_id`.
  // Exactly one of `callback` and `json_callback` is set; the JSON one gets
  // the ring's or the store's text as it is (no parse, no rewrite) where the
  // worker reads it, and the event written out where the dispatcher parsed it.
  CallbackWorker(SubscriberId subscriber_id, std::string callback_id, EventCallback callback,
                 EventJsonCallback json_callback, std::uint64_t start_id,
                 const EventStreamOptions& options, Context context, CallbackSlot metrics,
                 std::unique_ptr<shm::Subscriber> reader = nullptr);
  ~CallbackWorker();  // joins
  CallbackWorker(const CallbackWorker&) = delete;
  CallbackWorker& operator=(const CallbackWorker&) = delete;

  // Starts the thread (options.thread_factory); Busy when the system has no
  // thread to give, and the worker stays unstarted (Join does nothing).
  Status Start() noexcept;

  // Dispatcher-only, in id order: event `event->id` was committed.
  void Offer(const std::shared_ptr<const Event>& event) noexcept;
  // Dispatcher-only: ids [first, last] were lost by the dispatcher's reader.
  void OfferGap(std::uint64_t first, std::uint64_t last) noexcept;

  // Stop once everything below `until` is delivered (or at deadline_ns,
  // MonotonicNanos clock; later items are discarded and counted).
  void RequestStop(std::uint64_t until, std::int64_t deadline_ns) noexcept;
  // Not on the worker thread itself (a callback that unsubscribes itself is
  // joined later by Close).
  void Join();
  // Whether the caller is this worker's thread.
  bool OnWorkerThread() const noexcept;
  // The Context::owner of the worker whose thread calls, or null when the
  // caller is no callback worker: how a stream tells that one of its own
  // callbacks is calling it.
  static const void* CallingThreadOwner() noexcept;

  bool direct() const { return direct_; }
  SubscriberId subscriber_id() const { return subscriber_id_; }
  const std::string& callback_id() const { return callback_id_; }
  CallbackSnapshot Snapshot() const;

 private:
  using Item = std::shared_ptr<const Event>;
  void Run();
  bool Take(Item* item) noexcept;
  bool WaitTake(Item* item, std::int64_t timeout_ns);
  bool CatchUp(std::uint64_t from);
  void Deliver(const Event& event);
  // Delivers `json` (the event `meta` describes; counted as caught up when
  // `from_history`): as it is to a JSON callback, else parsed (counted and
  // logged as lost when it does not parse).
  void DeliverJson(const EventMeta& meta, std::string_view json, bool from_history);
  // Takes `id` (false: already delivered) and records its latency.
  bool Take(std::uint64_t id, const std::optional<std::int64_t>& timestamp_ns);
  // Calls `call`; a throw is counted and logged as the callback's failure.
  template <typename Call>
  void Invoke(const Call& call);
  void ReportLost(std::uint64_t first, std::uint64_t last);
  bool ShouldExit(std::uint64_t handoff) const noexcept;
  bool StopDeadlinePassed() const noexcept;
  // A stop was requested and `id` is at or past its `until` (catch-up stops there).
  bool StopReached(std::uint64_t id) const noexcept;

  // Direct dispatch (callback_worker_direct.cc).
  void RunDirect();
  void DirectRecord(const shm::Record& record, std::string* json);
  void DirectGap(std::uint64_t first, std::uint64_t last);
  bool DirectShouldExit() const noexcept;

  const SubscriberId subscriber_id_;
  const std::string callback_id_;
  const EventCallback callback_;
  const EventJsonCallback json_callback_;
  const std::size_t queue_size_;
  const FullQueuePolicy policy_;
  const shm::WaitStrategy wait_;
  const void* const owner_;
  StreamHistory* const history_;
  RingPrefaulter* const prefaulter_;  // may be null
  const LogFunction log_;
  const std::uint64_t start_id_;
  const bool direct_;
  const ThreadFactory thread_factory_;

  moodycamel::BlockingConcurrentQueue<Item> queue_;
  alignas(64) std::atomic<std::uint64_t> handoff_;
  alignas(64) std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> stop_until_{0};
  std::atomic<std::int64_t> stop_deadline_ns_{INT64_MAX};
  std::uint64_t next_id_ = 0;                // worker thread only: ids below are delivered
  CallbackSlot metrics_;                     // the counters' record in the metrics file
  CallbackCounters* const counters_;         // metrics_.counters()
  std::unique_ptr<shm::Subscriber> reader_;  // direct only; worker thread only
  bool reader_started_ = false;              // direct: the reader has read past its start
  bool over_bound_ = false;                  // direct: lagging more than queue_size_
  std::thread thread_;
};

}  // namespace evbus

#endif  // EVBUS_STREAM_CALLBACK_WORKER_H_
