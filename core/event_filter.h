// EventFilter: which events a search or a subscriber wants, with the fields
// and the evaluation order of OpenHands' EventFilter.
//
// A filter is built once from an EventFilterSpec (class names, source name and
// ISO 8601 dates as text, exactly as OpenHands takes them) and validated then:
// an unknown class or source, an unreadable date, or a start after the end is
// an error instead of a filter that silently matches nothing.
//
// Dates are compared with an event's timestamp as evbus prints it (to the
// microsecond, truncated), so a bound copied from an event's printed
// "timestamp" includes that event, as OpenHands' string compare does. A date
// outside what int64 nanoseconds hold (any year 0000-9999 is read, e.g.
// 9999-12-31T23:59:59 for "no end") is clamped, never refused.
//
// Evaluation is split so that a store can decide from a record header alone:
//   MatchesMeta  include_types, exclude_types, source, start_date, end_date,
//                exclude_hidden, in OpenHands' order; never reads JSON.
//   MatchesJson  the query: ASCII case-insensitive substring of the event's
//                serialized JSON, keys included. Only needed if needs_json().
// Both are noexcept and allocation-free.
//
// Thread safety: immutable after Make; any thread may call the const methods.
#ifndef EVBUS_CORE_EVENT_FILTER_H_
#define EVBUS_CORE_EVENT_FILTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "core/case_fold_search.h"
#include "core/event.h"
#include "core/event_meta.h"
#include "core/event_types.h"

namespace evbus {

// OpenHands' EventFilter fields. An empty string or list means "not set", as
// None, '' and () do in OpenHands.
struct EventFilterSpec {
  bool exclude_hidden = false;
  std::string query;                       // case-insensitive substring of the JSON
  std::vector<std::string> include_types;  // class names, bases allowed: "Action"
  std::vector<std::string> exclude_types;  // class names, bases allowed
  std::string source;                      // "agent" | "user" | "environment"
  std::string start_date;                  // ISO 8601, inclusive (to the printed us)
  std::string end_date;                    // ISO 8601, inclusive (to the printed us)

  // Chainable setters: EventFilterSpec().WithSource("agent").WithQuery("ls")
  EventFilterSpec& WithExcludeHidden(bool value = true) {
    exclude_hidden = value;
    return *this;
  }
  EventFilterSpec& WithQuery(std::string value) {
    query = std::move(value);
    return *this;
  }
  EventFilterSpec& WithIncludeTypes(std::vector<std::string> class_names) {
    include_types = std::move(class_names);
    return *this;
  }
  EventFilterSpec& WithExcludeTypes(std::vector<std::string> class_names) {
    exclude_types = std::move(class_names);
    return *this;
  }
  EventFilterSpec& WithSource(std::string value) {
    source = std::move(value);
    return *this;
  }
  EventFilterSpec& WithStartDate(std::string iso8601) {
    start_date = std::move(iso8601);
    return *this;
  }
  EventFilterSpec& WithEndDate(std::string iso8601) {
    end_date = std::move(iso8601);
    return *this;
  }
};

class EventFilter {
 public:
  // A filter that matches every event.
  EventFilter() = default;

  // Validates and compiles `spec`. InvalidArgument names the field at fault.
  static Result<EventFilter> Make(const EventFilterSpec& spec);

  // Every condition except the query, from metadata alone.
  [[nodiscard]] bool MatchesMeta(const EventMeta& meta) const noexcept;
  // True iff a query is set, i.e. MatchesJson can reject an event.
  bool needs_json() const noexcept { return !query_.needle().empty(); }
  // The query alone; true when no query is set.
  [[nodiscard]] bool MatchesJson(std::string_view event_json) const noexcept;
  // Both. `event_json` is not read when the metadata already fails.
  [[nodiscard]] bool Matches(const EventMeta& meta, std::string_view event_json) const noexcept;
  // For callers that hold an Event: serializes it only if needs_json().
  [[nodiscard]] bool MatchesEvent(const Event& event) const;

  // The compiled conditions, for a store that prunes by type or time range.
  const std::optional<EventTypeSet>& include_types() const { return include_types_; }
  const EventTypeSet& exclude_types() const { return exclude_types_; }
  Source source() const { return source_; }  // kNone: any source
  // The first and the last timestamp (ns) that pass the date bounds: the
  // start rounded up to a whole microsecond, the end's microsecond included
  // to its last nanosecond, both clamped to int64. MatchesMeta compares with
  // exactly these, so a store may prune with them.
  const std::optional<std::int64_t>& start_ns() const { return start_ns_; }
  const std::optional<std::int64_t>& end_ns() const { return end_ns_; }
  bool exclude_hidden() const { return exclude_hidden_; }
  std::string_view query() const { return query_.needle(); }  // ASCII-lowercased

 private:
  std::optional<EventTypeSet> include_types_;  // unset: every type
  EventTypeSet exclude_types_;                 // empty: excludes nothing
  Source source_ = Source::kNone;
  std::optional<std::int64_t> start_ns_;
  std::optional<std::int64_t> end_ns_;
  bool exclude_hidden_ = false;
  CaseFoldSearcher query_;
};

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_FILTER_H_
