// RenderPrometheus: an InspectFrame in the text exposition format 0.0.4.
// Each family is written whole (HELP, TYPE, then its samples); counters end
// in _total, sizes in _bytes, times in _seconds. Rates are left to
// Prometheus (rate() over the _total counters).
#include <cstdio>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "tools/evbus/inspect_metrics_table.h"
#include "tools/evbus/inspect_render.h"

namespace evbus::cli {
namespace {

// Label values: backslash, double quote and newline escaped.
std::string LabelValue(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class Exposition {
 public:
  explicit Exposition(const InspectFrame& f)
      : base_("stream=\"" + LabelValue(f.stream) + "\",user=\"" + LabelValue(f.user) + "\"") {}

  void Family(const char* name, const char* type, const char* help) {
    name_ = name;
    out_ += std::string("# HELP ") + name + " " + help + "\n";
    out_ += std::string("# TYPE ") + name + " " + type + "\n";
  }
  void Sample(const MetricValue& value, const std::string& labels = "") {
    out_ += name_ + "{" + base_ + labels + "} " + Number(value) + "\n";
  }
  std::string Take() { return std::move(out_); }

 private:
  static std::string Number(const MetricValue& value) {
    if (const auto* u = std::get_if<std::uint64_t>(&value)) return std::to_string(*u);
    if (const auto* b = std::get_if<bool>(&value)) return *b ? "1" : "0";
    double d = 0;
    if (const auto* i = std::get_if<std::int64_t>(&value)) d = static_cast<double>(*i);
    if (const auto* x = std::get_if<double>(&value)) d = *x;
    char num[64];
    std::snprintf(num, sizeof num, "%.17g", d);
    return num;
  }

  std::string base_, name_, out_;
};

// Each of the table's families with one sample per row; labels(row) names it.
template <typename Row>
void Families(Exposition& x, std::span<const InspectMetric<Row>> table,
              const std::vector<Row>& rows, std::string (*labels)(const Row&)) {
  for (const InspectMetric<Row>& m : table) {
    if (m.family == nullptr) continue;
    x.Family(m.family, m.type, m.help);
    for (const Row& row : rows) x.Sample(m.value(row), labels(row));
  }
}

// The same for a table of one unlabelled row.
template <typename Row>
void Families(Exposition& x, std::span<const InspectMetric<Row>> table, const Row& row) {
  for (const InspectMetric<Row>& m : table) {
    if (m.family == nullptr) continue;
    x.Family(m.family, m.type, m.help);
    x.Sample(m.value(row));
  }
}

std::string ProducerLabels(const shm::ProducerStats& p) {
  return ",producer_slot=\"" + std::to_string(p.slot) + "\",producer_name=\"" + LabelValue(p.name) +
         "\",producer_pid=\"" + std::to_string(p.pid) + "\"";
}

std::string SubscriberLabels(const SubscriberView& v) {
  const shm::SubscriberStats& s = v.stats;
  return ",subscriber_slot=\"" + std::to_string(s.slot) + "\",subscriber_name=\"" +
         LabelValue(s.name) + "\",subscriber_pid=\"" + std::to_string(s.pid) + "\"";
}

std::string CallbackLabels(const CallbackView& c) {
  return ",pid=\"" + std::to_string(c.pid) + "\",subscriber_id=\"" + LabelValue(c.subscriber_id) +
         "\",callback_id=\"" + LabelValue(c.callback_id) + "\"";
}

void SegmentInfo(Exposition& x, const InspectFrame& f) {
  x.Family("evbus_segment_info", "gauge", "Always 1; labels give the shared-memory layout.");
  x.Sample(std::uint64_t{1}, ",shm_name=\"" + LabelValue(f.stats.shm_name) +
                                 "\",layout_version=\"" + std::to_string(f.layout.version) + "\"");
}

// One family per bridge figure, a sample per bridge (role, server, subject).
void Bridges(Exposition& x, const InspectFrame& f) {
  if (f.bridges.empty()) return;
  auto labels = [](const bridge::BridgeStatus& b) {
    return ",role=\"" + LabelValue(b.role) + "\",server=\"" + LabelValue(b.server) +
           "\",subject=\"" + LabelValue(b.subject) + "\"";
  };
  struct Figure {
    const char* name;
    const char* type;
    const char* help;
    MetricValue (*value)(const bridge::BridgeStatus&);
  };
  static constexpr Figure kFigures[] = {
      {"evbus_bridge_acknowledged_id", "gauge",
       "Out: last id JetStream acknowledged (all below too); in: last id written locally.",
       [](const bridge::BridgeStatus& b) -> MetricValue { return b.acknowledged_id; }},
      {"evbus_bridge_lag_events", "gauge", "Ids seen but not yet acknowledged or written.",
       [](const bridge::BridgeStatus& b) -> MetricValue { return b.lag(); }},
      {"evbus_bridge_in_flight", "gauge", "Out: unacknowledged publishes; in: messages held.",
       [](const bridge::BridgeStatus& b) -> MetricValue { return b.in_flight; }},
      {"evbus_bridge_reconnects_total", "counter", "Reconnections to NATS.",
       [](const bridge::BridgeStatus& b) -> MetricValue { return b.reconnects; }},
      {"evbus_bridge_forwarded_total", "counter", "Messages published (out) or written (in).",
       [](const bridge::BridgeStatus& b) -> MetricValue { return b.forwarded; }},
  };
  for (const Figure& fig : kFigures) {
    x.Family(fig.name, fig.type, fig.help);
    for (const bridge::BridgeStatus& b : f.bridges) x.Sample(fig.value(b), labels(b));
  }
}

}  // namespace

std::string RenderPrometheus(const InspectFrame& frame) {
  Exposition x(frame);
  SegmentInfo(x, frame);
  Families(x, LayoutMetrics(), frame.layout);
  Families(x, FrameMetrics(), frame);
  Families(x, ProducerMetrics(), frame.stats.producers, ProducerLabels);
  Families(x, SubscriberMetrics(), frame.subscribers, SubscriberLabels);
  if (frame.persister.present) Families(x, PersisterMetrics(), frame.persister);
  if (!frame.callbacks.empty()) Families(x, CallbackMetrics(), frame.callbacks, CallbackLabels);
  Bridges(x, frame);
  return x.Take();
}

}  // namespace evbus::cli
