#include "shm/event_publish.h"

#include <optional>
#include <string>

#include "core/timestamp.h"
#include "shm/event_record.h"

namespace evbus {

namespace {

// Everything that could refuse the event, checked before it is changed.
Status CheckPublishable(const Event& event, const PublishOptions& options) {
  if (event.id != Event::kInvalidId) {
    return Status::InvalidArgument(
        "event already has an id (" + std::to_string(event.id) +
        "); it was probably added back to the stream from inside a handler, which would loop. "
        "Publish a copy with id unset instead");
  }
  if (event.type == kInvalidEventType) {
    return Status::InvalidArgument("event has no action or observation type; set its type");
  }
  // A registered type and source: the type table and the header never see another.
  return ValidateEventFields(event.type,
                             options.source != Source::kNone ? options.source : event.source);
}

void Stamp(const PublishOptions& options, Event* event) {
  if (options.stamp_timestamp || !event->timestamp_ns) event->timestamp_ns = NowNanos();
  if (options.source != Source::kNone) event->source = options.source;
}

}  // namespace

Result<std::uint64_t> PublishEvent(shm::Producer& producer, const Redactor& redactor,
                                   const PublishOptions& options, Event* event,
                                   std::string* scratch) {
  EVBUS_RETURN_IF_ERROR(CheckPublishable(*event, options));
  Stamp(options, event);
  redactor.RedactEvent(event);
  scratch->clear();
  EVBUS_RETURN_IF_ERROR(AppendEventJson(*event, scratch));  // id unset: the body has no id
  std::uint64_t id = 0;
  EVBUS_RETURN_IF_ERROR(producer.Publish(RecordMetaFor(*event), *scratch, options.timeout_ns, &id));
  event->id = static_cast<std::int64_t>(id);
  return id;
}

Result<std::uint64_t> PublishEventRedactingCopy(shm::Producer& producer, const Redactor& redactor,
                                                const PublishOptions& options, Event* event,
                                                std::string* scratch) {
  EVBUS_RETURN_IF_ERROR(CheckPublishable(*event, options));
  const std::optional<std::int64_t> old_timestamp = event->timestamp_ns;
  const Source old_source = event->source;
  Stamp(options, event);
  scratch->clear();
  Status st = AppendRedactedEventJson(*event, redactor, scratch);  // id unset: no "id" key
  std::uint64_t id = 0;
  if (st.ok()) st = producer.Publish(RecordMetaFor(*event), *scratch, options.timeout_ns, &id);
  if (!st.ok()) {
    event->timestamp_ns = old_timestamp;
    event->source = old_source;
    return st;
  }
  event->id = static_cast<std::int64_t>(id);
  return id;
}

}  // namespace evbus
