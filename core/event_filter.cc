#include "core/event_filter.h"

#include <limits>
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

// Unset for an empty string, else the instant the ISO 8601 text names, in
// any year 0000-9999 (clamped to int64 nanoseconds by CompileDateRange).
Result<std::optional<WideTimestamp>> CompileDate(const std::string& text, std::string_view field) {
  if (text.empty()) return std::optional<WideTimestamp>();
  Result<WideTimestamp> instant = ParseWideTimestamp(text);
  if (!instant.ok()) {
    return Status::InvalidArgument("EventFilter " + std::string(field) + " \"" + text +
                                   "\" is not an ISO 8601 date-time (e.g. 2025-07-18T17:01:36 "
                                   "or 2025-07-18T15:01:36Z): " +
                                   instant.status().message());
  }
  return std::optional<WideTimestamp>(instant.value());
}

// Timestamps are printed to the microsecond (truncated) but kept to the
// nanosecond; a bound is compared with what is printed, as OpenHands compares
// the printed text. So an event passes start_date iff its printed microsecond
// is not before the bound, i.e. iff its timestamp is at least the bound rounded
// up to a whole microsecond...
std::int64_t FirstPrintedAtOrAfter(std::int64_t ns) {
  constexpr std::int64_t kStep = kPrintedResolutionNanos;
  const std::int64_t rem = ns % kStep;  // in (-kStep, kStep)
  if (rem <= 0) return ns - rem;
  if (ns > std::numeric_limits<std::int64_t>::max() - (kStep - rem)) {
    return std::numeric_limits<std::int64_t>::max();  // no later microsecond fits
  }
  return ns + (kStep - rem);
}

// ...and end_date iff its printed microsecond is not after the bound, i.e. iff
// it is at most the last nanosecond of the bound's microsecond.
std::int64_t LastPrintedAtOrBefore(std::int64_t ns) {
  constexpr std::int64_t kStep = kPrintedResolutionNanos;
  const std::int64_t rem = ns % kStep;  // in (-kStep, kStep)
  if (rem < 0) return ns - rem - 1;
  if (ns - rem > std::numeric_limits<std::int64_t>::max() - (kStep - 1)) {
    return std::numeric_limits<std::int64_t>::max();
  }
  return ns - rem + (kStep - 1);
}

// Both bounds of `spec`, compared (as given, before clamping) and compiled.
Status CompileDateRange(const EventFilterSpec& spec, std::optional<std::int64_t>* start_ns,
                        std::optional<std::int64_t>* end_ns) {
  Result<std::optional<WideTimestamp>> start = CompileDate(spec.start_date, "start_date");
  if (!start.ok()) return start.status();
  Result<std::optional<WideTimestamp>> end = CompileDate(spec.end_date, "end_date");
  if (!end.ok()) return end.status();
  if (*start && *end && **start > **end) {
    return Status::InvalidArgument("EventFilter start_date \"" + spec.start_date +
                                   "\" is after end_date \"" + spec.end_date +
                                   "\", so no event could match: swap them or widen the range");
  }
  // A bound outside int64 nanoseconds (years before 1678 or after 2261, such
  // as 9999-12-31T23:59:59 for "no end") is clamped: it stays on the same
  // side of every event evbus can hold, so it keeps its meaning.
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  if (*start) {
    const std::int64_t ns = ClampToNanos(**start);
    *start_ns = ns == kMin || ns == kMax ? ns : FirstPrintedAtOrAfter(ns);
  }
  if (*end) {
    const std::int64_t ns = ClampToNanos(**end);
    *end_ns = ns == kMin || ns == kMax ? ns : LastPrintedAtOrBefore(ns);
  }
  return Status::OK();
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
  EVBUS_RETURN_IF_ERROR(CompileDateRange(spec, &filter.start_ns_, &filter.end_ns_));
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
