#include "core/event_filter.h"

#include <utility>

#include "core/timestamp.h"

namespace evbus {
namespace {

// Union of the concrete types every listed class covers ("Action" = all
// actions). `field` names the spec field in the error.
Result<EventTypeSet> CompileTypes(const std::vector<std::string>& class_names,
                                  std::string_view field) {
  EventTypeSet set;
  for (const std::string& name : class_names) {
    Result<EventTypeSet> types = EventTypesForClass(name);
    if (!types.ok()) {
      return Status::InvalidArgument("EventFilter " + std::string(field) + ": " +
                                     types.status().message());
    }
    set |= types.value();
  }
  return set;
}

// Unset for an empty string, else the instant the ISO 8601 text names.
Result<std::optional<std::int64_t>> CompileDate(const std::string& text, std::string_view field) {
  if (text.empty()) return std::optional<std::int64_t>();
  Result<std::int64_t> ns = ParseTimestamp(text);
  if (!ns.ok()) {
    return Status::InvalidArgument("EventFilter " + std::string(field) + " \"" + text +
                                   "\" is not an ISO 8601 date-time (e.g. 2025-07-18T17:01:36 "
                                   "or 2025-07-18T15:01:36Z): " +
                                   ns.status().message());
  }
  return std::optional<std::int64_t>(ns.value());
}

bool InSet(const EventTypeSet& set, EventTypeId type) noexcept {
  return type < set.size() && set[type];
}

}  // namespace

Result<EventFilter> EventFilter::Make(const EventFilterSpec& spec) {
  EventFilter filter;
  filter.exclude_hidden_ = spec.exclude_hidden;
  if (!spec.include_types.empty()) {
    Result<EventTypeSet> include = CompileTypes(spec.include_types, "include_types");
    if (!include.ok()) return include.status();
    filter.include_types_ = include.value();
  }
  Result<EventTypeSet> exclude = CompileTypes(spec.exclude_types, "exclude_types");
  if (!exclude.ok()) return exclude.status();
  filter.exclude_types_ = exclude.value();
  if (!spec.source.empty()) {
    Result<Source> source = ParseSource(spec.source);
    if (!source.ok()) {
      return Status::InvalidArgument("EventFilter source: " + source.status().message());
    }
    filter.source_ = source.value();
  }
  Result<std::optional<std::int64_t>> start = CompileDate(spec.start_date, "start_date");
  if (!start.ok()) return start.status();
  Result<std::optional<std::int64_t>> end = CompileDate(spec.end_date, "end_date");
  if (!end.ok()) return end.status();
  filter.start_ns_ = start.value();
  filter.end_ns_ = end.value();
  if (filter.start_ns_ && filter.end_ns_ && *filter.start_ns_ > *filter.end_ns_) {
    return Status::InvalidArgument("EventFilter start_date \"" + spec.start_date +
                                   "\" is after end_date \"" + spec.end_date +
                                   "\", so no event could match: swap them or widen the range");
  }
  filter.query_ = CaseFoldSearcher(spec.query);
  return filter;
}

bool EventFilter::MatchesMeta(const EventMeta& meta) const noexcept {
  if (include_types_ && !InSet(*include_types_, meta.type)) return false;
  if (InSet(exclude_types_, meta.type)) return false;
  if (source_ != Source::kNone && meta.source != source_) return false;
  if (meta.timestamp_ns) {
    if (start_ns_ && *meta.timestamp_ns < *start_ns_) return false;
    if (end_ns_ && *meta.timestamp_ns > *end_ns_) return false;
  }
  if (exclude_hidden_ && meta.hidden) return false;
  return true;
}

bool EventFilter::MatchesJson(std::string_view event_json) const noexcept {
  return query_.Contains(event_json);
}

bool EventFilter::Matches(const EventMeta& meta, std::string_view event_json) const noexcept {
  return MatchesMeta(meta) && MatchesJson(event_json);
}

bool EventFilter::MatchesEvent(const Event& event) const {
  if (!MatchesMeta(EventMeta::FromEvent(event))) return false;
  return !needs_json() || MatchesJson(EventToJson(event));
}

}  // namespace evbus
