#include "stream/callback_worker.h"

#include <pthread.h>

#include <exception>
#include <utility>

#include "core/timestamp.h"
#include "shm/wait.h"
#include "stream/stream_thread.h"

namespace evbus {
namespace {

constexpr std::int64_t kCatchUpPollNs = 1'000'000;  // re-check history while catching up
constexpr std::int64_t kIdlePollNs = 20'000'000;    // re-check stop requests while idle

// moodycamel preallocates blocks of 32: enough for one producer (the
// dispatcher) to hold `size` items without allocating.
constexpr std::size_t kMaxExplicitProducers = 0;
constexpr std::size_t kMaxImplicitProducers = 1;

// The worker whose thread this is (set first thing in Run), null elsewhere.
thread_local const CallbackWorker* tls_worker = nullptr;

}  // namespace

CallbackWorker::CallbackWorker(SubscriberId subscriber_id, std::string callback_id,
                               EventCallback callback, EventJsonCallback json_callback,
                               std::uint64_t start_id, const EventStreamOptions& options,
                               Context context, CallbackSlot metrics,
                               std::unique_ptr<shm::Subscriber> reader)
    : subscriber_id_(subscriber_id),
      callback_id_(std::move(callback_id)),
      callback_(std::move(callback)),
      json_callback_(std::move(json_callback)),
      queue_size_(options.callback_queue_size == 0 ? 1 : options.callback_queue_size),
      policy_(options.full_queue_policy),
      wait_(options.wait_strategy),
      owner_(context.owner),
      history_(context.history),
      prefaulter_(context.prefaulter),
      log_(std::move(context.log)),
      start_id_(start_id),
      direct_(reader != nullptr),
      thread_factory_(options.thread_factory),
      queue_(queue_size_, kMaxExplicitProducers, kMaxImplicitProducers),
      handoff_(start_id),  // catch-up from the start id until the dispatcher switches it
      next_id_(start_id),
      metrics_(std::move(metrics)),
      counters_(metrics_.counters()),
      reader_(std::move(reader)) {}

CallbackWorker::~CallbackWorker() { Join(); }

Status CallbackWorker::Start() noexcept {
  return StartStreamThread(
      thread_factory_, "callback " + callback_id_, [this] { Run(); }, &thread_);
}

void CallbackWorker::Join() {
  if (thread_.joinable() && !OnWorkerThread()) thread_.join();
}

bool CallbackWorker::OnWorkerThread() const noexcept { return tls_worker == this; }

const void* CallbackWorker::CallingThreadOwner() noexcept {
  return tls_worker == nullptr ? nullptr : tls_worker->owner_;
}

void CallbackWorker::Offer(const std::shared_ptr<const Event>& event) noexcept {
  const auto id = static_cast<std::uint64_t>(event->id);
  std::uint64_t h = handoff_.load(std::memory_order_acquire);
  if ((h & kLive) != 0) {
    const std::uint64_t depth = counters_->enqueued.load(std::memory_order_relaxed) -
                                counters_->dequeued.load(std::memory_order_relaxed);
    if (depth < queue_size_ && queue_.try_enqueue(event)) {
      counters_->enqueued.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    counters_->queue_full.fetch_add(1, std::memory_order_relaxed);
    if (policy_ == FullQueuePolicy::kDrop) {
      counters_->dropped.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    // SYNC POINT WRITE: handoff.catchup -- every item enqueued before is
    // visible to the worker that sees catch-up from `id`.
    handoff_.store(id, std::memory_order_release);
    return;
  }
  // Catch-up: only the worker's next id switches it back to its queue.
  if (h != id) return;
  // SYNC POINT WRITE: handoff.live -- the worker that fails its CAS on `id`
  // sees this and takes `id` from the queue instead.
  if (handoff_.compare_exchange_strong(h, kLive | id, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
    if (queue_.try_enqueue(event)) {
      counters_->enqueued.fetch_add(1, std::memory_order_relaxed);
    } else {
      handoff_.store(id, std::memory_order_release);  // no room after all: read it from history
    }
  }
}

void CallbackWorker::OfferGap(std::uint64_t first, std::uint64_t last) noexcept {
  const std::uint64_t h = handoff_.load(std::memory_order_acquire);
  if ((h & kLive) == 0) return;  // catching up: the worker reads these itself
  if (policy_ == FullQueuePolicy::kDrop) {
    counters_->dropped.fetch_add(last - first + 1, std::memory_order_relaxed);
    return;
  }
  // SYNC POINT WRITE: handoff.catchup -- as in Offer.
  handoff_.store(first, std::memory_order_release);
}

void CallbackWorker::RequestStop(std::uint64_t until, std::int64_t deadline_ns) noexcept {
  stop_until_.store(until, std::memory_order_relaxed);
  stop_deadline_ns_.store(deadline_ns, std::memory_order_relaxed);
  stop_.store(true, std::memory_order_release);
}

bool CallbackWorker::Take(Item* item) noexcept {
  if (!queue_.try_dequeue(*item)) return false;
  counters_->dequeued.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool CallbackWorker::WaitTake(Item* item, std::int64_t timeout_ns) {
  if (wait_ == shm::WaitStrategy::kBlocking) {
    if (!queue_.wait_dequeue_timed(*item, timeout_ns / 1000)) return false;
    counters_->dequeued.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const std::int64_t deadline = shm::MonotonicNanos() + timeout_ns;
  for (int i = 0;; ++i) {
    if (Take(item)) return true;
    if ((i & 255) == 255 && shm::MonotonicNanos() >= deadline) return false;
    if (wait_ == shm::WaitStrategy::kSpinYield) {
      shm::YieldThread();
    } else {
      shm::CpuRelax();
    }
  }
}

bool CallbackWorker::ShouldExit(std::uint64_t handoff) const noexcept {
  if (!stop_.load(std::memory_order_acquire)) return false;
  if (shm::MonotonicNanos() >= stop_deadline_ns_.load(std::memory_order_relaxed)) return true;
  return (handoff & kLive) != 0 || handoff >= stop_until_.load(std::memory_order_relaxed);
}

bool CallbackWorker::StopReached(std::uint64_t id) const noexcept {
  return stop_.load(std::memory_order_acquire) && id >= stop_until_.load(std::memory_order_relaxed);
}

bool CallbackWorker::StopDeadlinePassed() const noexcept {
  return stop_.load(std::memory_order_acquire) &&
         shm::MonotonicNanos() >= stop_deadline_ns_.load(std::memory_order_relaxed);
}

void CallbackWorker::Run() {
  tls_worker = this;
  ::pthread_setname_np(::pthread_self(), "evbus-callback");  // ps/top/bench pinning
  if (direct_) {
    RunDirect();
    return;
  }
  Item item;
  while (true) {
    if (StopDeadlinePassed()) break;
    if (Take(&item)) {
      Deliver(*item);
      item.reset();
      continue;
    }
    // SYNC POINT READ: handoff.catchup -- items enqueued before the switch are visible.
    const std::uint64_t h = handoff_.load(std::memory_order_acquire);
    if ((h & kLive) == 0) {
      if (Take(&item)) {  // enqueued before the dispatcher switched us
        Deliver(*item);
        item.reset();
        continue;
      }
      if (CatchUp(h)) continue;
    }
    if (ShouldExit(h)) break;
    if (WaitTake(&item, (h & kLive) == 0 ? kCatchUpPollNs : kIdlePollNs)) {
      Deliver(*item);
      item.reset();
    }
  }
  while (Take(&item)) counters_->discarded.fetch_add(1, std::memory_order_relaxed);
}

bool CallbackWorker::CatchUp(std::uint64_t from) {
  if (from >= history_->RingHead()) return false;  // nothing committed to read yet
  std::uint64_t cur = from;
  bool progressed = false;
  bool aborted = false;
  auto visit = [&](const persist::StoredEvent& ev) {
    const auto id = static_cast<std::uint64_t>(ev.meta.id);
    if (StopDeadlinePassed() || StopReached(id)) {
      aborted = true;
      return false;
    }
    std::uint64_t expected = cur;
    // SYNC POINT READ: handoff.live -- a failed CAS means `cur` is on the queue.
    if (!handoff_.compare_exchange_strong(expected, id + 1, std::memory_order_acq_rel,
                                          std::memory_order_acquire)) {
      aborted = true;
      return false;
    }
    cur = id + 1;
    progressed = true;
    DeliverJson(ev.meta, ev.json, /*from_history=*/true);
    return true;
  };
  auto lost = [&](std::int64_t first, std::int64_t last) {
    ReportLost(static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(last));
  };
  std::int64_t next = 0;
  Status s = history_->ForEach(static_cast<std::int64_t>(from), INT64_MAX, visit, lost, &next);
  if (!s.ok()) log_("catch-up read for callback " + callback_id_ + " failed: " + s.ToString());
  // Ids skipped at the end (abandoned or lost) are accounted for: move past them.
  if (!aborted && static_cast<std::uint64_t>(next) > cur) {
    std::uint64_t expected = cur;
    if (handoff_.compare_exchange_strong(expected, static_cast<std::uint64_t>(next),
                                         std::memory_order_acq_rel, std::memory_order_acquire)) {
      progressed = true;
    }
  }
  return progressed;
}

void CallbackWorker::DeliverJson(const EventMeta& meta, std::string_view json, bool from_history) {
  const auto id = static_cast<std::uint64_t>(meta.id);
  if (json_callback_) {
    if (!Take(id, meta.timestamp_ns)) return;
    if (from_history) counters_->caught_up.fetch_add(1, std::memory_order_relaxed);
    Invoke([&] { json_callback_(json); });
    return;
  }
  auto event = ParseEvent(json);
  if (!event.ok()) {
    counters_->lost.fetch_add(1, std::memory_order_relaxed);
    log_("event " + std::to_string(id) + " could not be parsed for callback " + callback_id_ +
         ": " + event.status().ToString());
    if (id >= next_id_) next_id_ = id + 1;
    return;
  }
  if (from_history) counters_->caught_up.fetch_add(1, std::memory_order_relaxed);
  Deliver(*event);
}

void CallbackWorker::ReportLost(std::uint64_t first, std::uint64_t last) {
  counters_->lost.fetch_add(last - first + 1, std::memory_order_relaxed);
  log_("callback " + callback_id_ + " of subscriber " +
       std::string(SubscriberIdName(subscriber_id_)) + " missed events " + std::to_string(first) +
       ".." + std::to_string(last) +
       ": the ring overwrote them and the store does not hold them (run the persister)");
}

void CallbackWorker::Deliver(const Event& event) {
  if (!Take(static_cast<std::uint64_t>(event.id), event.timestamp_ns)) return;
  if (json_callback_) {
    const std::string json = EventToJson(event);  // the dispatcher parsed it for every callback
    Invoke([&] { json_callback_(json); });
  } else {
    Invoke([&] { callback_(event); });
  }
}

bool CallbackWorker::Take(std::uint64_t id, const std::optional<std::int64_t>& timestamp_ns) {
  if (id < next_id_) return false;  // already delivered (invariant 1); not expected
  next_id_ = id + 1;
  if (timestamp_ns) counters_->latency.Record(NowNanos() - *timestamp_ns);
  return true;
}

template <typename Call>
void CallbackWorker::Invoke(const Call& call) {
  try {
    call();
  } catch (const std::exception& e) {
    counters_->failures.fetch_add(1, std::memory_order_relaxed);
    log_("Error in event callback " + callback_id_ + " for subscriber " +
         std::string(SubscriberIdName(subscriber_id_)) + ": " + e.what());
  } catch (...) {
    counters_->failures.fetch_add(1, std::memory_order_relaxed);
    log_("Error in event callback " + callback_id_ + " for subscriber " +
         std::string(SubscriberIdName(subscriber_id_)) + ": a non-standard exception");
  }
  counters_->delivered.fetch_add(1, std::memory_order_relaxed);
}

CallbackSnapshot CallbackWorker::Snapshot() const {
  CallbackSnapshot s;
  s.subscriber_id = subscriber_id_;
  s.callback_id = callback_id_;
  LoadCallbackCounters(*counters_, &s);
  return s;
}

}  // namespace evbus
