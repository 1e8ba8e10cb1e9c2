// The arguments and results of a search over a stream's events, as the
// EventStream facade (stream/event_stream.h) and the Store
// (persist/store.h) take and give them. Part of the installed API
// (docs/install.md): it includes nothing but core/.
#ifndef EVBUS_PERSIST_SEARCH_QUERY_H_
#define EVBUS_PERSIST_SEARCH_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "core/event_filter.h"
#include "core/event_meta.h"

namespace evbus::persist {

// One event as stored: its metadata and its JSON text (OpenHands' shape, id included).
struct StoredEvent {
  EventMeta meta;
  std::optional<std::int64_t> cause;
  std::string json;
};

// search_events' arguments. limit: unset or 0 = unlimited, negative = one result.
struct SearchQuery {
  std::int64_t start_id = 0;
  std::optional<std::int64_t> end_id;  // inclusive; unset = the latest
  bool reverse = false;                // start_id stays the lower bound
  const EventFilter* filter = nullptr;
  std::optional<std::int64_t> limit;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_SEARCH_QUERY_H_
