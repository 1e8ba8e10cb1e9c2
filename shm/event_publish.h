// Publishing one event into a stream's ring: the producer half of
// EventStream::add_event, usable on its own (the CLI's `publish` uses it).
//
//   1. refuse an event that already has an id (OpenHands' ValueError);
//   2. stamp it: timestamp = now, source = the given source;
//   3. redact every string with the stream's secrets (before a byte reaches
//      shared memory: invariant 2, docs/architecture.md);
//   4. serialize without "id" (the claim assigns it) and publish.
//
// Thread safety: PublishEvent is as thread-safe as the Producer it is given
// (one Producer per thread). The Redactor is read-only here.
#ifndef EVBUS_SHM_EVENT_PUBLISH_H_
#define EVBUS_SHM_EVENT_PUBLISH_H_

#include <cstdint>
#include <string>

#include "base/status.h"
#include "core/event.h"
#include "core/redactor.h"
#include "shm/producer.h"

namespace evbus {

struct PublishOptions {
  Source source = Source::kNone;            // kNone: keep the event's own source
  std::int64_t timeout_ns = 1'000'000'000;  // back-pressure wait before BackPressured
  bool stamp_timestamp = true;              // false: keep the event's timestamp (imports)
};

// Publishes *event (redacted in place, id and timestamp set on success).
// `scratch` is reused between calls to avoid allocation.
Result<std::uint64_t> PublishEvent(shm::Producer& producer, const Redactor& redactor,
                                   const PublishOptions& options, Event* event,
                                   std::string* scratch);

// The same, but *event keeps its text unredacted (OpenHands' add_event):
// the redaction happens while serializing (AppendRedactedEventJson), with
// no copy of the event. On success *event gets its id, timestamp and source;
// on failure it is left as it was.
Result<std::uint64_t> PublishEventRedactingCopy(shm::Producer& producer, const Redactor& redactor,
                                                const PublishOptions& options, Event* event,
                                                std::string* scratch);

}  // namespace evbus

#endif  // EVBUS_SHM_EVENT_PUBLISH_H_
