// PageSummary: what a search needs of a verified page, built once when the
// page is loaded into the store's cache and kept beside it:
//   - a dense column with the header fields of every id in the page
//     (IndexedRecord, 48 bytes each: metadata, cause, where the body is), so
//     a metadata filter (type, source, dates, hidden) scans a contiguous
//     array instead of one record header per 512 B - 2 KiB of JSON, and a
//     match is handed out without touching its record;
//   - the page's ranges: min/max timestamp, the types and sources present,
//     whether any event is visible, so a filter that no event of the page can
//     pass skips the whole page without looking at one record.
// Nothing here is on disk: the page format is unchanged.
//
// Thread safety: immutable after Build; any thread may read it.
#ifndef EVBUS_PERSIST_PAGE_SUMMARY_H_
#define EVBUS_PERSIST_PAGE_SUMMARY_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/event_filter.h"
#include "core/event_meta.h"
#include "persist/page_reader.h"

namespace evbus::persist {

// One id of a page, as a search needs it.
struct IndexedRecord {
  EventMeta meta;                 // meta.id == Event::kInvalidId: no event (abandoned or lost)
  std::int64_t cause = -1;        // kNoCause: none
  std::uint32_t body_offset = 0;  // in the page file
  std::uint32_t body_length = 0;
};

struct PageSummary {
  // records[i] describes id first_id + i.
  std::vector<IndexedRecord> records;
  std::int64_t min_timestamp_ns = INT64_MAX;  // over events with a timestamp
  std::int64_t max_timestamp_ns = INT64_MIN;
  bool any_without_timestamp = false;
  std::uint64_t types = 0;   // bit t: an event of type t (t < 64) is present
  bool other_types = false;  // a type >= 64 is present
  std::uint8_t sources = 0;  // bit s: an event of Source s is present
  bool any_visible = false;  // an event that is not hidden is present

  // Builds the summary of `page`, a ParsePage result over `bytes`.
  static PageSummary Build(std::string_view bytes, const ParsedPage& page);

  // False when no event of the page can pass `filter`'s metadata conditions.
  [[nodiscard]] bool MayMatch(const EventFilter& filter) const noexcept;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PAGE_SUMMARY_H_
