// RenderJson: an InspectFrame as one JSON object on one line, its members
// from the tables of inspect_metrics_table.h.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <type_traits>

#include "tools/evbus/inspect_metrics_table.h"
#include "tools/evbus/inspect_render.h"

namespace evbus::cli {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Str(Writer& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void Value(Writer& w, const MetricValue& value) {
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullptr_t>) {
          w.Null();
        } else if constexpr (std::is_same_v<T, bool>) {
          w.Bool(v);
        } else if constexpr (std::is_same_v<T, std::uint64_t>) {
          w.Uint64(v);
        } else if constexpr (std::is_same_v<T, std::int64_t>) {
          w.Int64(v);
        } else if constexpr (std::is_same_v<T, double>) {
          w.Double(v);
        } else {
          Str(w, v);
        }
      },
      value);
}

// The table's JSON rows of `row` as members of the object being written.
template <typename Row>
void Members(Writer& w, std::span<const InspectMetric<Row>> table, const Row& row) {
  for (const InspectMetric<Row>& m : table) {
    if (m.json_key == nullptr) continue;
    w.Key(m.json_key);
    Value(w, m.value(row));
  }
}

template <typename Row>
void Object(Writer& w, std::span<const InspectMetric<Row>> table, const Row& row) {
  w.StartObject();
  Members(w, table, row);
  w.EndObject();
}

template <typename Row>
void Array(Writer& w, const char* key, std::span<const InspectMetric<Row>> table,
           const std::vector<Row>& rows) {
  w.Key(key);
  w.StartArray();
  for (const Row& row : rows) Object(w, table, row);
  w.EndArray();
}

}  // namespace

std::string RenderJson(const InspectFrame& f) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  w.Key("stream");
  Str(w, f.stream);
  w.Key("user");
  Str(w, f.user);
  w.Key("shm_name");
  Str(w, f.stats.shm_name);
  w.Key("creator_pid");
  w.Int(f.stats.creator_pid);
  w.Key("layout");
  Object(w, LayoutMetrics(), f.layout);
  Members(w, FrameMetrics(), f);
  Array(w, "producers", ProducerMetrics(), f.stats.producers);
  Array(w, "subscribers", SubscriberMetrics(), f.subscribers);
  w.Key("persister");
  if (f.persister.present) {
    Object(w, PersisterMetrics(), f.persister);
  } else {
    w.Null();
  }
  Array(w, "recent_events", RecentEventMetrics(), f.recent);
  Array(w, "abandoned", AbandonedMetrics(), f.abandoned);
  Array(w, "callbacks", CallbackMetrics(), f.callbacks);
  w.Key("bridges");  // each bridge's last status, as `evbus bridge status` prints it
  w.StartArray();
  for (const bridge::BridgeStatus& b : f.bridges) {
    const std::string j = bridge::BridgeStatusJson(b);
    w.RawValue(j.data(), j.size(), rapidjson::kObjectType);
  }
  w.EndArray();
  if (!f.metrics_error.empty()) {
    w.Key("metrics_error");
    Str(w, f.metrics_error);
  }
  w.EndObject();
  std::string out(buf.GetString(), buf.GetSize());
  out.push_back('\n');
  return out;
}

}  // namespace evbus::cli
