// Dispatcher: the one thread per EventStream that reads the ring (a
// non-durable shm::Subscriber, slot name "dispatch.<pid>") and offers every
// event, parsed once, to every callback worker in id order. It never waits
// on a worker: Offer only try-enqueues (see callback_worker.h).
//
// The thread starts with the first worker added. Workers are held in a
// copy-on-write list: Add/Remove publish a new list and bump a version the
// thread checks before each event, so a callback added while an event is
// being dispatched sees later events only.
//
// Thread safety: Add, Remove, Workers, Stop and the counters may be called
// from any thread; Run is the dispatcher thread.
// Invariants:
//   1. Events are offered in strictly increasing id order; every id the ring
//      lost to a lap is offered as a gap instead.
//   2. Once Stop returns, the thread is joined and offers nothing more.
#ifndef EVBUS_STREAM_DISPATCHER_H_
#define EVBUS_STREAM_DISPATCHER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "stream/callback_worker.h"
#include "stream/metrics_layout.h"
#include "stream/ring_prefaulter.h"
#include "stream/stream_options.h"

namespace evbus {

class Dispatcher {
 public:
  using WorkerList = std::vector<std::shared_ptr<CallbackWorker>>;

  // `counters` (the stream's, in its metrics file) and `prefaulter` (noted
  // after each read; may be null) must outlive this object.
  Dispatcher(shm::Segment* segment, const EventStreamOptions& options, LogFunction log,
             metrics_layout::StreamCounters* counters, RingPrefaulter* prefaulter = nullptr);
  ~Dispatcher();  // Stop(0, now)
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the thread (reading from `start_id`) if it is not running yet
  // and the worker is not direct (a direct worker reads the ring itself and
  // is only listed here; a stream's workers are all direct or all not, so
  // the thread never offers to a direct one), then starts the worker and
  // adds it. Busy (and the worker is not added) when a thread cannot start.
  Status Add(std::shared_ptr<CallbackWorker> worker, std::uint64_t start_id);
  // Removes and returns the worker, or null if there is none with that key.
  std::shared_ptr<CallbackWorker> Remove(SubscriberId subscriber_id, std::string_view callback_id);
  std::shared_ptr<const WorkerList> Workers() const;

  // Dispatches what is below `until` (or until deadline_ns), then joins.
  void Stop(std::uint64_t until, std::int64_t deadline_ns);

  std::uint64_t dispatched() const {
    return counters_->events_dispatched.load(std::memory_order_relaxed);
  }
  std::uint64_t gaps() const { return counters_->dispatch_gaps.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Attaches the reader and starts the thread unless running; on failure
  // neither remains.
  Status StartLocked(std::uint64_t start_id);            // mu_ held
  void Publish(std::shared_ptr<const WorkerList> list);  // mu_ held

  shm::Segment* segment_;
  const shm::WaitStrategy wait_;
  const ThreadFactory thread_factory_;
  LogFunction log_;
  mutable std::mutex mu_;  // guards workers_, subscriber_, thread_ start
  std::shared_ptr<const WorkerList> workers_;
  std::atomic<std::uint64_t> version_{0};
  std::unique_ptr<shm::Subscriber> subscriber_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> stop_until_{0};
  std::atomic<std::int64_t> stop_deadline_ns_{0};
  metrics_layout::StreamCounters* const counters_;
  RingPrefaulter* const prefaulter_;  // may be null
};

}  // namespace evbus

#endif  // EVBUS_STREAM_DISPATCHER_H_
