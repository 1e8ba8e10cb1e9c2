// StreamHistory: EventStream's view of its stream's history, the store for
// what the ring no longer holds and the ring for the rest, with no hole
// between them. The logic is persist::UnifiedView (persist/unified_view.h),
// which store users get directly; this keeps EventStream's names for it.
//
// Thread safety and invariants: those of persist::UnifiedView.
#ifndef EVBUS_STREAM_STREAM_HISTORY_H_
#define EVBUS_STREAM_STREAM_HISTORY_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "base/status.h"
#include "persist/store.h"
#include "persist/unified_view.h"
#include "shm/segment.h"

namespace evbus {

struct HistoryOptions {
  std::string store_root, session_id, user_id;
  std::size_t page_cache_pages = 16;
  std::int64_t history_wait_ns = 1'000'000'000;
  std::int64_t in_flight_wait_ns = 100'000'000;  // wait for an id claimed but not yet committed
};

class StreamHistory : public persist::UnifiedView {
 public:
  StreamHistory(shm::Segment* segment, const HistoryOptions& options)
      : persist::UnifiedView(segment, ViewOptions(options)) {}

  // OpenHands' search_events over the whole history.
  Result<std::vector<persist::StoredEvent>> Search(const persist::SearchQuery& query) {
    return SearchEventsJson(query);
  }
  // The event with that id; NotFound if neither the ring nor the store has it.
  Result<persist::StoredEvent> Get(std::int64_t id) { return GetEventJson(id); }
  // max(ring head - 1, store latest); -1 when the stream is empty.
  std::int64_t LatestId() { return GetLatestEventId(); }

 private:
  static persist::UnifiedViewOptions ViewOptions(const HistoryOptions& options) {
    persist::UnifiedViewOptions view;
    view.store_root = options.store_root;
    view.session_id = options.session_id;
    view.user_id = options.user_id;
    view.page_cache_pages = options.page_cache_pages;
    view.store_wait_ns = options.history_wait_ns;
    view.in_flight_wait_ns = options.in_flight_wait_ns;
    return view;
  }
};

}  // namespace evbus

#endif  // EVBUS_STREAM_STREAM_HISTORY_H_
