#include "persist/record_convert.h"

#include "shm/event_record.h"

namespace evbus::persist {

RecordMeta RecordMetaFromEvent(std::uint64_t id, const Event& event) noexcept {
  RecordMeta meta;
  meta.id = id;
  if (event.timestamp_ns) {
    meta.timestamp_ns = *event.timestamp_ns;
    meta.flags |= kFlagHasTimestamp;
  }
  meta.cause = event.cause.value_or(kNoCause);
  meta.type = event.type;
  meta.source = static_cast<std::uint8_t>(event.source);
  if (event.hidden) meta.flags |= kFlagHidden;
  return meta;
}

RecordMeta RecordMetaFromRing(std::uint64_t id, const shm::RecordMeta& ring) noexcept {
  const EventMeta event_meta = EventMetaFromRecord(id, ring);
  RecordMeta meta;
  meta.id = id;
  if (event_meta.timestamp_ns) {
    meta.timestamp_ns = *event_meta.timestamp_ns;
    meta.flags |= kFlagHasTimestamp;
  }
  meta.cause = ring.cause;
  meta.type = ring.type;
  meta.source = static_cast<std::uint8_t>(event_meta.source);
  if (event_meta.hidden) meta.flags |= kFlagHidden;
  return meta;
}

}  // namespace evbus::persist
