#include "stream/dispatcher.h"

#include <pthread.h>
#include <unistd.h>

#include <string>
#include <utility>

#include "shm/event_record.h"
#include "shm/wait.h"
#include "stream/stream_thread.h"

namespace evbus {
namespace {

constexpr std::int64_t kReadSliceNs = 20'000'000;  // re-check stop requests this often

}  // namespace

Dispatcher::Dispatcher(shm::Segment* segment, const EventStreamOptions& options, LogFunction log,
                       metrics_layout::StreamCounters* counters, RingPrefaulter* prefaulter)
    : segment_(segment),
      wait_(options.wait_strategy),
      thread_factory_(options.thread_factory),
      log_(std::move(log)),
      workers_(std::make_shared<const WorkerList>()),
      counters_(counters),
      prefaulter_(prefaulter) {}

Dispatcher::~Dispatcher() { Stop(0, shm::MonotonicNanos()); }

void Dispatcher::Publish(std::shared_ptr<const WorkerList> list) {
  workers_ = std::move(list);
  version_.fetch_add(1, std::memory_order_release);
}

Status Dispatcher::Add(std::shared_ptr<CallbackWorker> worker, std::uint64_t start_id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_.load(std::memory_order_relaxed)) {
    return Status::Unavailable("the stream is closed; open it again to subscribe");
  }
  if (!worker->direct()) EVBUS_RETURN_IF_ERROR(StartLocked(start_id));
  // A worker that cannot start is not listed; the dispatcher thread, if it
  // just started, runs on with the workers it has (maybe none), as after
  // the last Unsubscribe.
  EVBUS_RETURN_IF_ERROR(worker->Start());
  auto list = std::make_shared<WorkerList>(*workers_);
  list->push_back(std::move(worker));
  Publish(std::move(list));
  return Status::OK();
}

Status Dispatcher::StartLocked(std::uint64_t start_id) {
  if (subscriber_ != nullptr) return Status::OK();  // running
  shm::SubscriberOptions so;
  so.name = "dispatch." + std::to_string(::getpid());
  so.start = shm::StartAt::kAtId;
  so.start_id = start_id;
  so.wait = wait_;
  EVBUS_ASSIGN_OR_RETURN(subscriber_, shm::Subscriber::Attach(segment_, so));
  // Run reads subscriber_: set before the thread starts, reset only after it
  // is joined (Stop) or when it never started (here).
  Status s = StartStreamThread(
      thread_factory_, "the dispatcher", [this] { Run(); }, &thread_);
  if (!s.ok()) subscriber_.reset();  // frees its slot in the segment
  return s;
}

std::shared_ptr<CallbackWorker> Dispatcher::Remove(SubscriberId subscriber_id,
                                                   std::string_view callback_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto list = std::make_shared<WorkerList>(*workers_);
  for (auto it = list->begin(); it != list->end(); ++it) {
    if ((*it)->subscriber_id() == subscriber_id && (*it)->callback_id() == callback_id) {
      std::shared_ptr<CallbackWorker> removed = std::move(*it);
      list->erase(it);
      Publish(std::move(list));
      return removed;
    }
  }
  return nullptr;
}

std::shared_ptr<const Dispatcher::WorkerList> Dispatcher::Workers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return workers_;
}

void Dispatcher::Stop(std::uint64_t until, std::int64_t deadline_ns) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_until_.store(until, std::memory_order_relaxed);
    stop_deadline_ns_.store(deadline_ns, std::memory_order_relaxed);
    stop_.store(true, std::memory_order_release);
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  subscriber_.reset();
}

void Dispatcher::Run() {
  ::pthread_setname_np(::pthread_self(), "evbus-dispatch");  // ps/top/bench pinning
  std::shared_ptr<const WorkerList> workers;
  std::uint64_t seen_version = ~std::uint64_t{0};
  shm::Record rec;
  std::string json;
  while (true) {
    if (stop_.load(std::memory_order_acquire) &&
        (subscriber_->next_id() >= stop_until_.load(std::memory_order_relaxed) ||
         shm::MonotonicNanos() >= stop_deadline_ns_.load(std::memory_order_relaxed))) {
      break;
    }
    const shm::ReadStatus r = subscriber_->Read(&rec, kReadSliceNs);
    // A worker added from now on sees only later events (it starts at the
    // head); a removed one is let go of within a read slice, which frees its
    // metrics record.
    if (version_.load(std::memory_order_acquire) != seen_version) {
      std::lock_guard<std::mutex> lock(mu_);
      workers = workers_;
      seen_version = version_.load(std::memory_order_relaxed);
    }
    if (r == shm::ReadStatus::kEmpty) continue;
    if (r == shm::ReadStatus::kGap) {
      counters_->dispatch_gaps.fetch_add(rec.gap_last - rec.gap_first + 1,
                                         std::memory_order_relaxed);
      for (const auto& w : *workers) w->OfferGap(rec.gap_first, rec.gap_last);
      continue;
    }
    if (r != shm::ReadStatus::kRecord) continue;  // abandoned or corrupt: no event
    if (prefaulter_) prefaulter_->Note();
    if (Result<EventMeta> meta = EventMetaFromRecord(rec.id, rec.meta); !meta.ok()) {
      log_(meta.status().message());  // a header no publisher writes: skipped as corrupt
      continue;
    }
    counters_->events_dispatched.fetch_add(1, std::memory_order_relaxed);
    if (workers->empty()) continue;
    json.clear();
    AppendEventJsonWithId(rec.id, rec.body, &json);
    auto parsed = ParseEvent(json);
    if (!parsed.ok()) {
      log_("event " + std::to_string(rec.id) +
           " in the ring does not parse and is not delivered: " + parsed.status().ToString());
      continue;
    }
    auto event = std::make_shared<const Event>(std::move(*parsed));
    for (const auto& w : *workers) w->Offer(event);
  }
}

}  // namespace evbus
