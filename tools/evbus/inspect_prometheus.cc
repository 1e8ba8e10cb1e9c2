// RenderPrometheus: an InspectFrame in the text exposition format 0.0.4.
// Each family is written whole (HELP, TYPE, then its samples); counters end
// in _total, sizes in _bytes, times in _seconds. Rates are left to
// Prometheus (rate() over the _total counters).
#include <cstdio>
#include <string>
#include <vector>

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
  void Sample(double value, const std::string& labels = "") {
    char num[64];
    std::snprintf(num, sizeof num, "%.17g", value);
    out_ += name_ + "{" + base_ + labels + "} " + num + "\n";
  }
  void Sample(std::uint64_t value, const std::string& labels = "") {
    out_ += name_ + "{" + base_ + labels + "} " + std::to_string(value) + "\n";
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string base_, name_, out_;
};

std::string ProducerLabels(const shm::ProducerStats& p) {
  return ",producer_slot=\"" + std::to_string(p.slot) + "\",producer_name=\"" + LabelValue(p.name) +
         "\",producer_pid=\"" + std::to_string(p.pid) + "\"";
}

std::string SubscriberLabels(const shm::SubscriberStats& s) {
  return ",subscriber_slot=\"" + std::to_string(s.slot) + "\",subscriber_name=\"" +
         LabelValue(s.name) + "\",subscriber_pid=\"" + std::to_string(s.pid) + "\"";
}

void Layout(Exposition& x, const InspectFrame& f) {
  x.Family("evbus_segment_info", "gauge", "Always 1; labels give the shared-memory layout.");
  x.Sample(std::uint64_t{1}, ",shm_name=\"" + LabelValue(f.stats.shm_name) +
                                 "\",layout_version=\"" + std::to_string(f.layout.version) + "\"");
  x.Family("evbus_ring_capacity_bytes", "gauge", "Bytes of the data ring.");
  x.Sample(f.layout.capacity_bytes);
  x.Family("evbus_ring_index_entries", "gauge", "Index entries: most events the ring holds.");
  x.Sample(std::uint64_t{f.layout.index_entries});
  x.Family("evbus_max_event_size_bytes", "gauge", "Largest event body the ring accepts.");
  x.Sample(std::uint64_t{f.layout.max_event_bytes});
  x.Family("evbus_segment_size_bytes", "gauge", "Bytes of the whole shared-memory segment.");
  x.Sample(f.layout.segment_bytes);
  x.Family("evbus_segment_created_timestamp_seconds", "gauge",
           "When the segment was created, seconds since the Unix epoch.");
  x.Sample(static_cast<double>(f.layout.created_ns) / 1e9);
  x.Family("evbus_events_published_total", "counter", "Event ids handed out by the ring.");
  x.Sample(f.stats.next_id - f.layout.first_id);
  x.Family("evbus_ring_claimed_bytes_total", "counter", "Ring bytes claimed since creation.");
  x.Sample(f.stats.tail);
}

void Producers(Exposition& x, const InspectFrame& f) {
  const auto& ps = f.stats.producers;
  x.Family("evbus_producer_up", "gauge", "1 while the producer's process holds its slot.");
  for (const auto& p : ps) x.Sample(std::uint64_t{p.alive}, ProducerLabels(p));
  x.Family("evbus_producer_events_published_total", "counter", "Events the producer committed.");
  for (const auto& p : ps) x.Sample(p.published, ProducerLabels(p));
  x.Family("evbus_producer_published_bytes_total", "counter", "Body bytes the producer committed.");
  for (const auto& p : ps) x.Sample(p.bytes, ProducerLabels(p));
  x.Family("evbus_producer_backpressure_waits_total", "counter",
           "Times the producer waited for a durable consumer.");
  for (const auto& p : ps) x.Sample(p.backpressure_waits, ProducerLabels(p));
  x.Family("evbus_producer_abandoned_events_total", "counter",
           "The producer's records abandoned unfinished.");
  for (const auto& p : ps) x.Sample(p.abandoned, ProducerLabels(p));
  x.Family("evbus_producer_in_flight_claims", "gauge", "1 while the producer holds a claim.");
  for (const auto& p : ps) x.Sample(std::uint64_t{p.in_flight}, ProducerLabels(p));
}

void Subscribers(Exposition& x, const InspectFrame& f) {
  const auto& ss = f.subscribers;
  x.Family("evbus_subscriber_up", "gauge", "1 while the subscriber's process holds its slot.");
  for (const auto& v : ss) x.Sample(std::uint64_t{v.stats.alive}, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_durable", "gauge", "1 when the subscriber gates producers.");
  for (const auto& v : ss) x.Sample(std::uint64_t{v.stats.durable}, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_cursor_id", "gauge", "Next event id the subscriber reads.");
  for (const auto& v : ss) x.Sample(v.stats.next_id, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_lag_events", "gauge", "Events handed out but not yet read.");
  for (const auto& v : ss) x.Sample(v.lag_events, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_lag_bytes", "gauge", "Ring bytes claimed but not yet read.");
  for (const auto& v : ss) x.Sample(v.lag_bytes, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_delivered_events_total", "counter", "Events the subscriber read.");
  for (const auto& v : ss) x.Sample(v.stats.delivered, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_gap_events_total", "counter", "Event ids lost to ring laps.");
  for (const auto& v : ss) x.Sample(v.stats.gaps, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_abandoned_events_total", "counter", "Abandoned ids seen.");
  for (const auto& v : ss) x.Sample(v.stats.abandoned_seen, SubscriberLabels(v.stats));
  x.Family("evbus_subscriber_corrupt_events_total", "counter", "Records that failed their CRC.");
  for (const auto& v : ss) x.Sample(v.stats.corrupt_seen, SubscriberLabels(v.stats));
}

void Persister(Exposition& x, const InspectFrame& f) {
  if (!f.persister.present) return;
  x.Family("evbus_persister_up", "gauge", "1 while the persister's process lives.");
  x.Sample(std::uint64_t{f.persister.alive});
  x.Family("evbus_persister_durable_id", "gauge", "Last event id the store made durable.");
  x.Sample(static_cast<double>(f.persister.durable_id));
  x.Family("evbus_persister_lag_events", "gauge", "Events handed out but not yet durable.");
  x.Sample(f.persister.lag_events);
}

std::string CallbackLabels(const CallbackView& c) {
  return ",pid=\"" + std::to_string(c.pid) + "\",subscriber_id=\"" + LabelValue(c.subscriber_id) +
         "\",callback_id=\"" + LabelValue(c.callback_id) + "\"";
}

void Callbacks(Exposition& x, const InspectFrame& f) {
  const auto& cs = f.callbacks;
  if (cs.empty()) return;
  x.Family("evbus_callback_delivered_events_total", "counter", "Callback invocations.");
  for (const auto& c : cs) x.Sample(c.delivered, CallbackLabels(c));
  x.Family("evbus_callback_failures_total", "counter", "Callback invocations that threw.");
  for (const auto& c : cs) x.Sample(c.failures, CallbackLabels(c));
  x.Family("evbus_callback_dropped_events_total", "counter", "Events dropped on a full queue.");
  for (const auto& c : cs) x.Sample(c.dropped, CallbackLabels(c));
  x.Family("evbus_callback_lost_events_total", "counter", "Ids neither ring nor store held.");
  for (const auto& c : cs) x.Sample(c.lost, CallbackLabels(c));
  x.Family("evbus_callback_queue_depth_events", "gauge", "Events queued for the callback.");
  for (const auto& c : cs) x.Sample(c.queue_depth, CallbackLabels(c));
  x.Family("evbus_callback_latency_p50_seconds", "gauge",
           "Median event-to-callback latency (upper bound of its log2 bucket).");
  for (const auto& c : cs) x.Sample(c.latency_p50_seconds, CallbackLabels(c));
  x.Family("evbus_callback_latency_p99_seconds", "gauge",
           "99th percentile event-to-callback latency (upper bound of its log2 bucket).");
  for (const auto& c : cs) x.Sample(c.latency_p99_seconds, CallbackLabels(c));
}

}  // namespace

std::string RenderPrometheus(const InspectFrame& frame) {
  Exposition x(frame);
  Layout(x, frame);
  Producers(x, frame);
  Subscribers(x, frame);
  Persister(x, frame);
  Callbacks(x, frame);
  return x.Take();
}

}  // namespace evbus::cli
