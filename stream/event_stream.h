// EventStream: OpenHands' EventStream API (add_event, subscribe, secrets,
// search_events, get_event, close, session_exists) over an evbus segment,
// shared by every process of one conversation. docs/event_stream.md has
// the design; docs/compat.md the contract with OpenHands.
//
//   OpenHands                          evbus::EventStream
//   EventStream(sid, file_store, uid)  Open(sid, options)  (attach or create)
//   add_event(event, source)           AddEvent(&event, source) -> id
//   subscribe(sub_id, cb, cb_id)       Subscribe(sub_id, cb, cb_id)  [+ SubscribeFrom,
//                                      SubscribeJson: the event as JSON text]
//   unsubscribe(sub_id, cb_id)         Unsubscribe(sub_id, cb_id)
//   set_secrets / update_secrets       SetSecrets / UpdateSecrets (every process)
//   search_events(...)                 SearchEvents(query) / SearchEventsJson
//   get_event / get_latest_event(_id)  GetEvent / GetLatestEvent / GetLatestEventId
//   get_matching_events(...)           GetMatchingEvents(spec, start_id, limit, reverse)
//   close()                            Close()
//   session_exists(sid, store, uid)    SessionExists(sid, root, uid)
//
// Thread safety: every method may be called from any thread, concurrently,
// Close included, and from inside a callback (a callback that unsubscribes
// itself is joined at Close; Close itself is refused there). A call that
// races Close gets its answer or Unavailable ("... is closed"); Close waits
// for the calls already inside (docs/event_stream.md, "Close and many
// threads"). Callbacks run on their own worker threads. No method throws.
// Invariants:
//   1. Each callback sees events in id order, each once (callback_worker.h).
//   2. No secret of the stream's current set reaches the segment or the store.
//   3. After Close returns, no thread, Producer, Subscriber or mapping of
//      this stream exists in this process.
//   4. Close resets a member only when no call is inside (CallGate; for
//      AddEvent, its producer lease) and none can enter.
#ifndef EVBUS_STREAM_EVENT_STREAM_H_
#define EVBUS_STREAM_EVENT_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/event.h"
#include "core/event_filter.h"
#include "core/redactor.h"
#include "persist/search_query.h"
#include "stream/stream_metrics.h"
#include "stream/stream_options.h"
#include "stream/subscriber_id.h"

namespace evbus {

namespace shm {
class Segment;  // shm/segment.h (internal)
}
struct StreamPaths;  // stream/stream_segment.h (internal)

// Called on the callback's own worker thread with each event (the same
// alias as stream/callback_worker.h's).
using EventCallback = std::function<void(const Event&)>;
// The event as JSON text with its id: what ParseEvent reads and EventToJson
// writes, and OpenHands' event_to_dict as JSON.
using EventJsonCallback = std::function<void(std::string_view json)>;

// Installed with the library (docs/install.md): this header and what it
// includes are the public API; the private state is behind Impl.
class EventStream {
 public:
  static Result<std::unique_ptr<EventStream>> Open(std::string_view session_id,
                                                   const EventStreamOptions& options = {});
  // OpenHands' session_exists: the conversation directory exists.
  static bool SessionExists(std::string_view session_id, std::string_view store_root,
                            std::string_view user_id = {});
  // Close(). Destroying the stream from inside one of its own callbacks is
  // a bug (the callback's thread cannot be joined): close it from elsewhere.
  ~EventStream();
  EventStream(const EventStream&) = delete;
  EventStream& operator=(const EventStream&) = delete;

  // Assigns id and timestamp, redacts with the stream's current secrets and
  // publishes. *event gets its id, timestamp and source and stays unredacted
  // (as in OpenHands); adding it again is InvalidArgument. BackPressured when
  // a durable consumer lags past backpressure_timeout_ns; Unavailable after Close.
  Result<std::int64_t> AddEvent(Event* event, Source source);

  Status SetSecrets(const Redactor::SecretMap& secrets);     // replace, for every process
  Status UpdateSecrets(const Redactor::SecretMap& secrets);  // merge, for every process
  // The stream's secret patterns (core/secret_patterns.h; every built-in is
  // on until changed), replaced or merged for every process. InvalidArgument
  // naming the pattern when one is refused; the patterns in force then stay.
  Status SetSecretPatterns(const SecretPatterns& patterns);
  Status UpdateSecretPatterns(const SecretPatterns& patterns);

  // Delivers every event added from now on. AlreadyExists for a duplicate
  // (subscriber_id, callback_id), as OpenHands' ValueError; InvalidArgument
  // for an empty callback; Busy when its thread cannot start (nothing of the
  // subscription remains; try again later).
  Status Subscribe(SubscriberId subscriber_id, EventCallback callback, std::string callback_id);
  // Delivers the stored and live history from `start_id` on, then live
  // events, with no gap and no duplicate.
  Status SubscribeFrom(SubscriberId subscriber_id, EventCallback callback, std::string callback_id,
                       std::int64_t start_id);
  // Subscribe (no start_id) or SubscribeFrom, with each event handed over as
  // JSON text: for bindings that convert JSON into their own objects
  // (python/). A reader of the ring or the store hands over the text it
  // read, unparsed; a callback fed by the shared dispatcher gets the parsed
  // event written out again. Same errors and guarantees.
  Status SubscribeJson(SubscriberId subscriber_id, EventJsonCallback callback,
                       std::string callback_id, std::optional<std::int64_t> start_id = {});
  // The callback still gets every event committed before this call (queued,
  // or still to be caught up on), within close_timeout_ns, and none
  // committed after; waits for that, except from inside the callback itself,
  // where it returns at once. Unknown pair: logged no-op.
  // After Close: a no-op (Close removed every callback).
  void Unsubscribe(SubscriberId subscriber_id, std::string_view callback_id);

  Result<std::vector<Event>> SearchEvents(const persist::SearchQuery& query);
  Result<std::vector<persist::StoredEvent>> SearchEventsJson(const persist::SearchQuery& query);
  Result<Event> GetEvent(std::int64_t id);
  Result<Event> GetLatestEvent();   // NotFound when empty
  std::int64_t GetLatestEventId();  // -1 when empty
  // OpenHands' get_matching_events: InvalidArgument "Limit must be between 1
  // and 100" unless 1 <= limit <= 100 (checked first, even on an empty stream).
  Result<std::vector<Event>> GetMatchingEvents(const EventFilterSpec& filter,
                                               std::int64_t start_id = 0, std::int64_t limit = 100,
                                               bool reverse = false);

  // Stops accepting calls, waits for those already inside, lets pending
  // deliveries finish within close_timeout_ns, joins every thread, unmaps.
  // Idempotent; a Close racing another returns when the stream is closed.
  // Afterwards every call fails with Unavailable (GetLatestEventId: -1).
  // From inside one of this stream's callbacks: InvalidArgument, nothing
  // done (Close waits for every callback to return).
  Status Close();

  // This instance's metrics, as the inspector reads them from its metrics
  // file (ReadStreamMetrics, metrics_reader.h), which Close removes. After
  // Close: the figures at Close (a Snapshot racing Close waits for it).
  StreamSnapshot Snapshot() const;
  const std::string& metrics_path() const;
  // Writes Snapshot() as JSON to `path` (temporary file + rename, 0600).
  Status WriteMetricsFile(const std::string& path) const;

  const std::string& session_id() const;
  const std::string& user_id() const;
  // Where the segment and the store are (include stream/stream_segment.h,
  // which is not installed, to read it).
  const StreamPaths& paths() const;
  // Until Close; not while another thread may close the stream. For the
  // repository's own tests and tools (include shm/segment.h, not installed).
  const shm::Segment& segment() const;

 private:
  EventStream(std::string session_id, EventStreamOptions options, StreamPaths paths);
  Status AddWorker(SubscriberId subscriber_id, EventCallback callback,
                   EventJsonCallback json_callback, std::string callback_id,
                   std::uint64_t start_id);
  void Log(const std::string& line) const noexcept;
  Status ClosedError() const;
  StreamSnapshot LiveSnapshot() const;  // a Pass held, or on a callback thread
  static constexpr std::uint64_t kFromHead = ~std::uint64_t{0};

  struct Impl;  // event_stream.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace evbus

#endif  // EVBUS_STREAM_EVENT_STREAM_H_
