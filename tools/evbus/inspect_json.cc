// RenderJson: an InspectFrame as one JSON object on one line.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tools/evbus/inspect_render.h"

namespace evbus::cli {
namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(Writer& w, const char* key) { w.Key(key); }
void Str(Writer& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

void WriteLayout(Writer& w, const InspectLayout& l) {
  w.StartObject();
  Key(w, "version");
  w.Uint(l.version);
  Key(w, "capacity_bytes");
  w.Uint64(l.capacity_bytes);
  Key(w, "index_entries");
  w.Uint(l.index_entries);
  Key(w, "max_event_bytes");
  w.Uint(l.max_event_bytes);
  Key(w, "segment_bytes");
  w.Uint64(l.segment_bytes);
  Key(w, "first_id");
  w.Uint64(l.first_id);
  Key(w, "created_ns");
  w.Int64(l.created_ns);
  Key(w, "abandon_timeout_ns");
  w.Int64(l.abandon_timeout_ns);
  w.EndObject();
}

void WriteProducer(Writer& w, const shm::ProducerStats& p) {
  w.StartObject();
  Key(w, "slot");
  w.Uint(p.slot);
  Key(w, "name");
  Str(w, p.name);
  Key(w, "pid");
  w.Int(p.pid);
  Key(w, "alive");
  w.Bool(p.alive);
  Key(w, "events_published");
  w.Uint64(p.published);
  Key(w, "bytes_published");
  w.Uint64(p.bytes);
  Key(w, "backpressure_waits");
  w.Uint64(p.backpressure_waits);
  Key(w, "abandoned");
  w.Uint64(p.abandoned);
  Key(w, "in_flight");
  w.Bool(p.in_flight);
  Key(w, "in_flight_id");
  if (p.in_flight && p.in_flight_id != 0) {
    w.Uint64(p.in_flight_id);
  } else {
    w.Null();  // idle, or claiming (the id is not known yet)
  }
  w.EndObject();
}

void WriteSubscriber(Writer& w, const SubscriberView& v) {
  const shm::SubscriberStats& s = v.stats;
  w.StartObject();
  Key(w, "slot");
  w.Uint(s.slot);
  Key(w, "name");
  Str(w, s.name);
  Key(w, "pid");
  w.Int(s.pid);
  Key(w, "alive");
  w.Bool(s.alive);
  Key(w, "durable");
  w.Bool(s.durable);
  Key(w, "cursor");
  w.Uint64(s.next_id);
  Key(w, "lag_events");
  w.Uint64(v.lag_events);
  Key(w, "lag_bytes");
  w.Uint64(v.lag_bytes);
  Key(w, "delivered");
  w.Uint64(s.delivered);
  Key(w, "delivered_per_second");
  w.Double(v.delivered_per_second);
  Key(w, "gaps");
  w.Uint64(s.gaps);
  Key(w, "abandoned_seen");
  w.Uint64(s.abandoned_seen);
  Key(w, "corrupt_seen");
  w.Uint64(s.corrupt_seen);
  w.EndObject();
}

void WritePersister(Writer& w, const PersisterView& p) {
  if (!p.present) {
    w.Null();
    return;
  }
  w.StartObject();
  Key(w, "alive");
  w.Bool(p.alive);
  Key(w, "durable_id");
  w.Int64(p.durable_id);
  Key(w, "lag_events");
  w.Uint64(p.lag_events);
  w.EndObject();
}

void WriteRecent(Writer& w, const RecentEvent& e) {
  w.StartObject();
  Key(w, "id");
  w.Uint64(e.id);
  Key(w, "status");
  Str(w, e.status);
  Key(w, "source");
  Str(w, e.source);
  Key(w, "type");
  Str(w, e.type);
  Key(w, "excerpt");
  Str(w, e.excerpt);
  w.EndObject();
}

void WriteCallback(Writer& w, const CallbackView& c) {
  w.StartObject();
  Key(w, "pid");
  w.Int64(c.pid);
  Key(w, "subscriber_id");
  Str(w, c.subscriber_id);
  Key(w, "callback_id");
  Str(w, c.callback_id);
  Key(w, "delivered");
  w.Uint64(c.delivered);
  Key(w, "failures");
  w.Uint64(c.failures);
  Key(w, "queue_depth");
  w.Uint64(c.queue_depth);
  Key(w, "dropped");
  w.Uint64(c.dropped);
  Key(w, "lost");
  w.Uint64(c.lost);
  Key(w, "latency_p50_seconds");
  w.Double(c.latency_p50_seconds);
  Key(w, "latency_p99_seconds");
  w.Double(c.latency_p99_seconds);
  w.EndObject();
}

}  // namespace

std::string RenderJson(const InspectFrame& f) {
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartObject();
  Key(w, "stream");
  Str(w, f.stream);
  Key(w, "user");
  Str(w, f.user);
  Key(w, "shm_name");
  Str(w, f.stats.shm_name);
  Key(w, "creator_pid");
  w.Int(f.stats.creator_pid);
  Key(w, "layout");
  WriteLayout(w, f.layout);
  Key(w, "next_id");
  w.Uint64(f.stats.next_id);
  Key(w, "events_published");
  w.Uint64(f.stats.next_id - f.layout.first_id);
  Key(w, "claimed_bytes");
  w.Uint64(f.stats.tail);
  Key(w, "rate_interval_seconds");
  w.Double(f.rate_interval_seconds);
  Key(w, "events_per_second");
  w.Double(f.events_per_second);
  Key(w, "producers");
  w.StartArray();
  for (const shm::ProducerStats& p : f.stats.producers) WriteProducer(w, p);
  w.EndArray();
  Key(w, "subscribers");
  w.StartArray();
  for (const SubscriberView& s : f.subscribers) WriteSubscriber(w, s);
  w.EndArray();
  Key(w, "persister");
  WritePersister(w, f.persister);
  Key(w, "recent_events");
  w.StartArray();
  for (const RecentEvent& e : f.recent) WriteRecent(w, e);
  w.EndArray();
  Key(w, "callbacks");
  w.StartArray();
  for (const CallbackView& c : f.callbacks) WriteCallback(w, c);
  w.EndArray();
  if (!f.metrics_error.empty()) {
    Key(w, "metrics_error");
    Str(w, f.metrics_error);
  }
  w.EndObject();
  std::string out(buf.GetString(), buf.GetSize());
  out.push_back('\n');
  return out;
}

}  // namespace evbus::cli
