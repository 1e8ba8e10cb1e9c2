// EventMeta: the fixed-size metadata of one event, as a ring record header or
// a store page record carries it next to the event's JSON text.
//
// Everything a metadata filter (type, source, dates, hidden) needs is here, so
// such a filter decides without reading, let alone parsing, the JSON body.
// A plain value type: trivially copyable, no pointers, no allocation.
#ifndef EVBUS_CORE_EVENT_META_H_
#define EVBUS_CORE_EVENT_META_H_

#include <cstdint>
#include <optional>
#include <type_traits>

#include "core/event.h"
#include "core/event_types.h"

namespace evbus {

struct EventMeta {
  std::int64_t id = Event::kInvalidId;
  std::optional<std::int64_t> timestamp_ns;  // ns since the Unix epoch; unset = no timestamp
  Source source = Source::kNone;             // kNone = the event has no source
  EventTypeId type = kInvalidEventType;      // concrete action/observation class
  bool hidden = false;                       // args.hidden / extras.hidden

  // The metadata of `event`, field for field.
  static EventMeta FromEvent(const Event& event) noexcept {
    EventMeta meta;
    meta.id = event.id;
    meta.timestamp_ns = event.timestamp_ns;
    meta.source = event.source;
    meta.type = event.type;
    meta.hidden = event.hidden;
    return meta;
  }

  friend bool operator==(const EventMeta&, const EventMeta&) = default;
};

static_assert(std::is_trivially_copyable_v<EventMeta>,
              "EventMeta is copied into record headers and index arrays as plain bytes");

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_META_H_
