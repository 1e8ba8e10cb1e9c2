#include "shm/event_publish.h"

#include <optional>
#include <string>

#include "core/timestamp.h"
#include "shm/event_record.h"

namespace evbus {

namespace {

Status CheckPublishable(const Event& event) {
  if (event.id != Event::kInvalidId) {
    return Status::InvalidArgument(
        "event already has an id (" + std::to_string(event.id) +
        "); it was probably added back to the stream from inside a handler, which would loop. "
        "Publish a copy with id unset instead");
  }
  if (event.type == kInvalidEventType) {
    return Status::InvalidArgument("event has no action or observation type; set its type");
  }
  return Status::OK();
}

void Stamp(const PublishOptions& options, Event* event) {
  if (options.stamp_timestamp || !event->timestamp_ns) event->timestamp_ns = NowNanos();
  if (options.source != Source::kNone) event->source = options.source;
}

}  // namespace

Result<std::uint64_t> PublishEvent(shm::Producer& producer, const Redactor& redactor,
                                   const PublishOptions& options, Event* event,
                                   std::string* scratch) {
  if (Status st = CheckPublishable(*event); !st.ok()) return st;
  Stamp(options, event);
  redactor.RedactEvent(event);
  scratch->clear();
  AppendEventJson(*event, scratch);  // id is unset: the body carries no id
  std::uint64_t id = 0;
  EVBUS_RETURN_IF_ERROR(producer.Publish(RecordMetaFor(*event), *scratch, options.timeout_ns, &id));
  event->id = static_cast<std::int64_t>(id);
  return id;
}

Result<std::uint64_t> PublishEventRedactingCopy(shm::Producer& producer, const Redactor& redactor,
                                                const PublishOptions& options, Event* event,
                                                std::string* scratch) {
  if (Status st = CheckPublishable(*event); !st.ok()) return st;
  const std::optional<std::int64_t> old_timestamp = event->timestamp_ns;
  const Source old_source = event->source;
  Stamp(options, event);
  scratch->clear();
  AppendRedactedEventJson(*event, redactor, scratch);  // id is unset: the body carries no id
  std::uint64_t id = 0;
  Status st = producer.Publish(RecordMetaFor(*event), *scratch, options.timeout_ns, &id);
  if (!st.ok()) {
    event->timestamp_ns = old_timestamp;
    event->source = old_source;
    return st;
  }
  event->id = static_cast<std::int64_t>(id);
  return id;
}

}  // namespace evbus
