// The figures `evbus inspect` exports, one table per kind of row (layout,
// frame, producer, subscriber, persister, callback, recent event), shared by
// the JSON and the Prometheus renderers so that each figure's name, help text
// and value are written once.
//
// A row names its JSON key, its Prometheus family, or both. Each renderer
// walks a table in order and skips the rows that are not its own, so a
// figure the two formats place differently (a callback's queue depth) or
// express differently (the creation time: nanoseconds in JSON, seconds in
// Prometheus) has one row per format.
#ifndef EVBUS_TOOLS_EVBUS_INSPECT_METRICS_TABLE_H_
#define EVBUS_TOOLS_EVBUS_INSPECT_METRICS_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include "shm/stats.h"
#include "tools/evbus/inspect_frame.h"

namespace evbus::cli {

// One figure of one row. nullptr is JSON null; a string_view points into the
// row it was read from. Prometheus writes bool as 0/1, std::uint64_t in
// decimal and std::int64_t and double as "%.17g" of the double; it never
// gets null or a string (those rows have no family).
using MetricValue =
    std::variant<std::nullptr_t, bool, std::uint64_t, std::int64_t, double, std::string_view>;

inline constexpr char kCounter[] = "counter";
inline constexpr char kGauge[] = "gauge";

template <typename Row>
struct InspectMetric {
  const char* json_key;  // nullptr: Prometheus only
  const char* family;    // Prometheus family name; nullptr: JSON only
  const char* type;      // kCounter or kGauge (Prometheus only)
  const char* help;      // Prometheus HELP text
  MetricValue (*value)(const Row& row);
};

// The "layout" object; in Prometheus, after evbus_segment_info.
std::span<const InspectMetric<InspectLayout>> LayoutMetrics();
// The frame's own figures after "layout"; in Prometheus, after the layout.
std::span<const InspectMetric<InspectFrame>> FrameMetrics();
// Labels (slot, name, pid) are JSON rows; Prometheus writes them as labels.
std::span<const InspectMetric<shm::ProducerStats>> ProducerMetrics();
std::span<const InspectMetric<SubscriberView>> SubscriberMetrics();
// Only for a present persister (else JSON null and no Prometheus families).
std::span<const InspectMetric<PersisterView>> PersisterMetrics();
std::span<const InspectMetric<CallbackView>> CallbackMetrics();
// JSON only.
std::span<const InspectMetric<RecentEvent>> RecentEventMetrics();
std::span<const InspectMetric<shm::AbandonedRange>> AbandonedMetrics();

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_INSPECT_METRICS_TABLE_H_
