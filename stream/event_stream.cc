#include "stream/event_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <utility>

#include "base/file_env.h"
#include "persist/store.h"
#include "shm/event_publish.h"
#include "shm/wait.h"
#include "stream/call_gate.h"
#include "stream/callback_worker.h"
#include "stream/dispatcher.h"
#include "stream/metrics_reader.h"
#include "stream/metrics_region.h"
#include "stream/producer_pool.h"
#include "stream/ring_prefaulter.h"
#include "stream/shared_secrets.h"
#include "stream/stream_history.h"
#include "stream/stream_segment.h"

namespace evbus {

// The private state (docs/install.md: the public header names none of
// these types). Every member that Close resets is used only under a Pass of
// gate_ (AddEvent: under its producer lease, which Close waits for too).
struct EventStream::Impl {
  Impl(std::string session_id, EventStreamOptions options, StreamPaths paths)
      : session_id_(std::move(session_id)),
        options_(std::move(options)),
        paths_(std::move(paths)) {}

  const std::string session_id_;
  EventStreamOptions options_;
  StreamPaths paths_;
  std::unique_ptr<shm::Segment> segment_;
  std::shared_ptr<MetricsRegion> metrics_;  // this process's metrics file
  std::string metrics_path_;
  std::unique_ptr<SharedSecrets> secrets_;
  std::unique_ptr<StreamHistory> history_;
  std::unique_ptr<ProducerPool> producers_;
  std::unique_ptr<RingPrefaulter> prefaulter_;  // null: options_.prefault_ring is false
  std::unique_ptr<Dispatcher> dispatcher_;
  mutable CallGate gate_;
  std::mutex mu_;  // subscriptions: the duplicate check and Add; retired_
  std::vector<std::shared_ptr<CallbackWorker>> retired_;  // unsubscribed from inside themselves
  std::uint64_t next_reader_ = 0;                         // direct readers' names; mu_ held
  mutable std::mutex close_mu_;  // held for the whole of Close; guards the two below
  bool closed_ = false;
  std::unique_ptr<StreamSnapshot> final_snapshot_;  // set by Close

  // The ring reader of the next callback when it gets one of its own (direct
  // dispatch, UsesDirectDispatch), else null (shared). mu_ held.
  Result<std::unique_ptr<shm::Subscriber>> AttachDirectReader(const std::string& callback_id,
                                                              std::uint64_t start_id,
                                                              std::size_t direct_callbacks);
};

EventStream::EventStream(std::string session_id, EventStreamOptions options, StreamPaths paths)
    : impl_(std::make_unique<Impl>(std::move(session_id), std::move(options), std::move(paths))) {}

EventStream::~EventStream() { (void)Close(); }

Result<std::unique_ptr<EventStream>> EventStream::Open(std::string_view session_id,
                                                       const EventStreamOptions& options) {
  auto paths = ResolveStreamPaths(session_id, options);
  if (!paths.ok()) return paths.status();
  std::unique_ptr<EventStream> stream(
      new EventStream(std::string(session_id), options, std::move(*paths)));
  EVBUS_ASSIGN_OR_RETURN(stream->impl_->segment_,
                         OpenStreamSegment(session_id, options, stream->impl_->paths_));
  shm::Segment* seg = stream->impl_->segment_.get();
  (void)RemoveStaleStreamMetrics(session_id, options.user_id);
  auto metrics = MetricsRegion::Create(session_id, options.user_id, options.env);
  if (!metrics.ok()) return metrics.status();
  stream->impl_->metrics_ = std::move(*metrics);
  stream->impl_->metrics_path_ = stream->impl_->metrics_->path();
  stream->impl_->secrets_ = std::make_unique<SharedSecrets>(
      seg, SharedSecrets::PathFor(session_id, options.user_id), options.env);
  HistoryOptions ho;
  ho.store_root = stream->impl_->paths_.store_root;
  ho.session_id = std::string(session_id);
  ho.user_id = options.user_id;
  ho.page_cache_pages = options.page_cache_pages;
  ho.history_wait_ns = options.history_wait_ns;
  stream->impl_->history_ = std::make_unique<StreamHistory>(seg, std::move(ho));
  stream->impl_->producers_ = std::make_unique<ProducerPool>(seg);
  EventStream* self = stream.get();
  if (options.prefault_ring) {
    stream->impl_->prefaulter_ = std::make_unique<RingPrefaulter>(
        seg, options.thread_factory, [self](const std::string& line) { self->Log(line); });
  }
  stream->impl_->dispatcher_ = std::make_unique<Dispatcher>(
      seg, options, [self](const std::string& line) { self->Log(line); },
      stream->impl_->metrics_->stream(), stream->impl_->prefaulter_.get());
  return stream;
}

bool EventStream::SessionExists(std::string_view session_id, std::string_view store_root,
                                std::string_view user_id) {
  auto dir = persist::ConversationDir(store_root, session_id, user_id);
  if (!dir.ok()) return false;
  struct stat st {};
  return ::stat(dir->c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void EventStream::Log(const std::string& line) const noexcept {
  // Called on the caller's thread and on worker and dispatcher threads,
  // where an exception would end the process: a sink that throws is
  // replaced by stderr for that line.
  const char* note = "";
  if (impl_->options_.log) {
    try {
      impl_->options_.log(line);
      return;
    } catch (...) {
      note = " (the log function threw)";
    }
  }
  std::fprintf(stderr, "evbus[%s]: %s%s\n", impl_->session_id_.c_str(), line.c_str(), note);
}

Result<std::int64_t> EventStream::AddEvent(Event* event, Source source) {
  if (event->id != Event::kInvalidId) {
    return Status::InvalidArgument(
        "Event already has an ID:" + std::to_string(event->id) +
        ". It was probably added back to the EventStream from inside a handler, triggering a "
        "loop. Add a copy with the id unset instead");
  }
  if (impl_->gate_.closing()) return ClosedError();  // early out; the lease is what guards
  // The lease is AddEvent's pass: Close waits for every lease to come back
  // (ProducerPool::Close) before it resets secrets_ or metrics_, and after
  // that Acquire refuses. No gate Pass, so the hot path adds no atomic.
  auto lease = impl_->producers_->Acquire();
  if (!lease.ok()) return lease.status();
  ProducerLease& l = **lease;
  if (l.redactor == nullptr || impl_->secrets_->generation() != l.secrets_generation) {
    auto redactor = impl_->secrets_->Current(&l.secrets_generation);
    if (!redactor.ok()) {
      impl_->producers_->Release(std::move(*lease));
      return redactor.status();
    }
    l.redactor = std::move(*redactor);
  }
  PublishOptions po;
  po.source = source;
  po.timeout_ns = impl_->options_.backpressure_timeout_ns;
  // Redacted while serialized: the caller's object stays unredacted, as in OpenHands.
  auto id = PublishEventRedactingCopy(*l.producer, *l.redactor, po, event, &l.scratch);
  if (id.ok()) {
    ++l.added;
    impl_->metrics_->stream()->events_added.fetch_add(1, std::memory_order_relaxed);
    if (impl_->prefaulter_) impl_->prefaulter_->Note();  // under the lease: Close stops it after
  }
  impl_->producers_->Release(std::move(*lease));
  if (!id.ok()) return id.status();
  return static_cast<std::int64_t>(*id);
}

Status EventStream::SetSecrets(const Redactor::SecretMap& secrets) {
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return ClosedError();
  return impl_->secrets_->Set(secrets);
}

Status EventStream::UpdateSecrets(const Redactor::SecretMap& secrets) {
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return ClosedError();
  return impl_->secrets_->Update(secrets);
}

Status EventStream::SetSecretPatterns(const SecretPatterns& patterns) {
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return ClosedError();
  return impl_->secrets_->SetPatterns(patterns);
}

Status EventStream::UpdateSecretPatterns(const SecretPatterns& patterns) {
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return ClosedError();
  return impl_->secrets_->UpdatePatterns(patterns);
}

Status EventStream::Subscribe(SubscriberId subscriber_id, EventCallback callback,
                              std::string callback_id) {
  return AddWorker(subscriber_id, std::move(callback), {}, std::move(callback_id), kFromHead);
}

Status EventStream::SubscribeFrom(SubscriberId subscriber_id, EventCallback callback,
                                  std::string callback_id, std::int64_t start_id) {
  if (start_id < 0) return Status::InvalidArgument("start_id must be >= 0");
  return AddWorker(subscriber_id, std::move(callback), {}, std::move(callback_id),
                   static_cast<std::uint64_t>(start_id));
}

Status EventStream::SubscribeJson(SubscriberId subscriber_id, EventJsonCallback callback,
                                  std::string callback_id, std::optional<std::int64_t> start_id) {
  if (start_id && *start_id < 0) return Status::InvalidArgument("start_id must be >= 0");
  return AddWorker(subscriber_id, {}, std::move(callback), std::move(callback_id),
                   start_id ? static_cast<std::uint64_t>(*start_id) : kFromHead);
}

Result<std::unique_ptr<shm::Subscriber>> EventStream::Impl::AttachDirectReader(
    const std::string& callback_id, std::uint64_t start_id, std::size_t direct_callbacks) {
  const EventStreamOptions& options = options_;
  if (!UsesDirectDispatch(options, direct_callbacks, segment_->FreeSubscriberSlots())) {
    return std::unique_ptr<shm::Subscriber>();  // shared dispatch
  }
  shm::SubscriberOptions so;
  so.name = "cb." + std::to_string(::getpid()) + "." + std::to_string(next_reader_++);
  so.start = shm::StartAt::kAtId;
  so.start_id = start_id;
  so.wait = options.wait_strategy;
  auto attached = shm::Subscriber::Attach(segment_.get(), so);
  if (attached.ok()) return attached;
  // kAuto chose direct for speed only: a slot taken meanwhile means shared.
  if (options.callback_dispatch == CallbackDispatch::kAuto) {
    return std::unique_ptr<shm::Subscriber>();
  }
  return Status::Busy(
      "callback " + callback_id + " needs a ring reader of its own (direct dispatch): " +
      attached.status().ToString() + "; unsubscribe a callback or use CallbackDispatch::kShared");
}

Status EventStream::AddWorker(SubscriberId subscriber_id, EventCallback callback,
                              EventJsonCallback json_callback, std::string callback_id,
                              std::uint64_t start_id) {
  if (!callback && !json_callback) {
    return Status::InvalidArgument("callback " + callback_id +
                                   " is empty; pass a function to call with each event");
  }
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return ClosedError();
  std::lock_guard<std::mutex> lock(impl_->mu_);
  if (start_id == kFromHead) start_id = impl_->history_->RingHead();
  // The list is held by a local: in a range-for over *Workers() the
  // temporary shared_ptr dies before the loop runs (before C++23), and a
  // concurrent Unsubscribe could free the list under it.
  const auto workers = impl_->dispatcher_->Workers();
  std::size_t direct_callbacks = 0;
  for (const auto& w : *workers) {
    if (w->direct()) ++direct_callbacks;
    if (w->subscriber_id() == subscriber_id && w->callback_id() == callback_id) {
      return Status::AlreadyExists(
          "Callback ID on subscriber " + std::string(SubscriberIdName(subscriber_id)) +
          " already exists: " + callback_id + "; unsubscribe it first or use another callback id");
    }
  }
  std::unique_ptr<shm::Subscriber> reader;
  EVBUS_ASSIGN_OR_RETURN(reader,
                         impl_->AttachDirectReader(callback_id, start_id, direct_callbacks));
  EventStream* self = this;
  CallbackWorker::Context context;
  context.owner = this;
  context.history = impl_->history_.get();
  context.prefaulter = impl_->prefaulter_.get();
  context.log = [self](const std::string& line) { self->Log(line); };
  CallbackSlot slot = impl_->metrics_->Acquire(subscriber_id, callback_id);
  auto worker = std::make_shared<CallbackWorker>(
      subscriber_id, std::move(callback_id), std::move(callback), std::move(json_callback),
      start_id, impl_->options_, std::move(context), std::move(slot), std::move(reader));
  // On failure the worker (its reader, its metrics record) goes with this scope.
  return impl_->dispatcher_->Add(std::move(worker), impl_->history_->RingHead());
}

void EventStream::Unsubscribe(SubscriberId subscriber_id, std::string_view callback_id) {
  // Held until the worker is joined: Close, waiting for it, then joins the
  // others. A callback calling Close meanwhile is refused, so this ends.
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return;  // Close removes every callback
  auto worker = impl_->dispatcher_->Remove(subscriber_id, callback_id);
  if (worker == nullptr) {
    Log("unsubscribe: no callback '" + std::string(callback_id) + "' for subscriber " +
        std::string(SubscriberIdName(subscriber_id)) + "; nothing to do");
    return;
  }
  // Finish what was committed before this call (OpenHands waits for the
  // callback's pending calls), whether queued or still to be caught up on;
  // nothing committed later.
  worker->RequestStop(impl_->history_->RingHead(),
                      shm::MonotonicNanos() + impl_->options_.close_timeout_ns);
  if (worker->OnWorkerThread()) {
    std::lock_guard<std::mutex> lock(impl_->mu_);
    impl_->retired_.push_back(std::move(worker));  // cannot join itself: Close does
    return;
  }
  worker->Join();
}

Result<std::vector<persist::StoredEvent>> EventStream::SearchEventsJson(
    const persist::SearchQuery& query) {
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return ClosedError();
  return impl_->history_->Search(query);
}

Result<std::vector<Event>> EventStream::SearchEvents(const persist::SearchQuery& query) {
  auto stored = SearchEventsJson(query);
  if (!stored.ok()) return stored.status();
  std::vector<Event> out;
  out.reserve(stored->size());
  for (const auto& ev : *stored) {
    auto parsed = ParseEvent(ev.json);
    if (!parsed.ok()) {
      return Status::Corruption("event " + std::to_string(ev.meta.id) +
                                " does not parse: " + parsed.status().message());
    }
    out.push_back(std::move(*parsed));
  }
  return out;
}

Result<Event> EventStream::GetEvent(std::int64_t id) {
  CallGate::Pass pass(&impl_->gate_);
  if (!pass) return ClosedError();
  auto stored = impl_->history_->Get(id);
  if (!stored.ok()) return stored.status();
  return ParseEvent(stored->json);
}

std::int64_t EventStream::GetLatestEventId() {
  CallGate::Pass pass(&impl_->gate_);
  return pass ? impl_->history_->LatestId() : -1;
}

Result<Event> EventStream::GetLatestEvent() {
  const std::int64_t latest = GetLatestEventId();
  if (latest < 0) {
    if (impl_->gate_.closing()) return ClosedError();
    return Status::NotFound("stream '" + impl_->session_id_ + "' has no events yet");
  }
  return GetEvent(latest);
}

Result<std::vector<Event>> EventStream::GetMatchingEvents(const EventFilterSpec& spec,
                                                          std::int64_t start_id, std::int64_t limit,
                                                          bool reverse) {
  if (limit < 1 || limit > 100) return Status::InvalidArgument("Limit must be between 1 and 100");
  auto filter = EventFilter::Make(spec);
  if (!filter.ok()) return filter.status();
  persist::SearchQuery q;
  q.start_id = start_id;
  q.reverse = reverse;
  q.filter = &*filter;
  q.limit = limit;
  return SearchEvents(q);
}

Status EventStream::Close() {
  if (CallbackWorker::CallingThreadOwner() == this) {
    return Status::InvalidArgument(
        "Close() was called from inside a callback of stream '" + impl_->session_id_ +
        "', and Close waits for every callback to return: close the "
        "stream from another thread (a callback may unsubscribe itself)");
  }
  std::lock_guard<std::mutex> close_lock(
      impl_->close_mu_);  // a racing Close returns when this is done
  if (impl_->closed_) return Status::OK();
  impl_->closed_ = true;
  impl_->gate_.CloseAndWait();  // from here on no call is inside, and none enters
  if (impl_->dispatcher_ == nullptr) return Status::OK();  // Open failed half-way: nothing runs
  impl_->producers_->Close();                              // no add_event in flight from here on
  if (impl_->prefaulter_) impl_->prefaulter_->Stop();      // before the segment is unmapped
  const std::uint64_t until = impl_->history_->RingHead();
  const std::int64_t deadline = shm::MonotonicNanos() + impl_->options_.close_timeout_ns;
  auto workers = impl_->dispatcher_->Workers();
  impl_->dispatcher_->Stop(until,
                           deadline);  // everything below `until` is offered (or the deadline)
  for (const auto& w : *workers) w->RequestStop(until, deadline);
  for (const auto& w : *workers) w->Join();
  std::vector<std::shared_ptr<CallbackWorker>> retired;
  {
    std::lock_guard<std::mutex> lock(impl_->mu_);
    retired.swap(impl_->retired_);
  }
  for (const auto& w : retired) w->Join();
  impl_->final_snapshot_ = std::make_unique<StreamSnapshot>(LiveSnapshot());
  retired.clear();
  impl_->dispatcher_.reset();
  // Every step below runs; the first failure is returned, naming its step.
  Status result =
      AddContext(impl_->metrics_->Unlink(), "closing stream '" + impl_->session_id_ + "': ", "");
  impl_->metrics_.reset();  // unmapped once the last worker's slot is gone
  // producers_ stays: closed, it holds no Producer and refuses AddEvent calls
  // that passed the closing check just before Close.
  impl_->history_.reset();
  impl_->secrets_.reset();
  impl_->segment_.reset();  // unmaps and closes the descriptor
  return result;
}

Status EventStream::ClosedError() const {
  return Status::Unavailable("stream '" + impl_->session_id_ + "' is closed; open it again");
}

StreamSnapshot EventStream::Snapshot() const {
  {
    CallGate::Pass pass(&impl_->gate_);
    // On one of this stream's callback threads, Close (if it runs) waits for
    // this thread before it resets anything, and must not be waited for.
    if (pass || CallbackWorker::CallingThreadOwner() == this) return LiveSnapshot();
  }
  std::lock_guard<std::mutex> lock(impl_->close_mu_);  // closing: wait for Close's final figures
  if (impl_->final_snapshot_ != nullptr) return *impl_->final_snapshot_;
  StreamSnapshot s;  // Open failed half-way
  s.session_id = impl_->session_id_;
  s.user_id = impl_->options_.user_id;
  s.pid = ::getpid();
  return s;
}

StreamSnapshot EventStream::LiveSnapshot() const {
  StreamSnapshot s;
  s.session_id = impl_->session_id_;
  s.user_id = impl_->options_.user_id;
  s.pid = ::getpid();
  s.events_added = impl_->metrics_->stream()->events_added.load(std::memory_order_relaxed);
  s.unpublished = impl_->metrics_->stream()->unpublished.load(std::memory_order_relaxed);
  s.events_dispatched = impl_->dispatcher_->dispatched();
  s.dispatch_gaps = impl_->dispatcher_->gaps();
  const auto workers = impl_->dispatcher_->Workers();  // held: see AddWorker
  for (const auto& w : *workers) s.callbacks.push_back(w->Snapshot());
  return s;
}

Status EventStream::WriteMetricsFile(const std::string& path) const {
  Env* env = impl_->options_.env != nullptr ? impl_->options_.env : Env::Default();
  return AddContext(env->WriteFileAtomic(path, SnapshotToJson(Snapshot()), kOwnerOnlyFileMode),
                    "cannot write the metrics of stream '" + impl_->session_id_ + "': ", "");
}

const std::string& EventStream::metrics_path() const { return impl_->metrics_path_; }
const std::string& EventStream::session_id() const { return impl_->session_id_; }
const std::string& EventStream::user_id() const { return impl_->options_.user_id; }
const StreamPaths& EventStream::paths() const { return impl_->paths_; }
const shm::Segment& EventStream::segment() const { return *impl_->segment_; }

}  // namespace evbus
