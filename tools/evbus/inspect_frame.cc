// BuildFrame: derives lags, rates, the persister's position and the recent
// events from two snapshots of a read-only segment.
#include "tools/evbus/inspect_frame.h"

#include <rapidjson/document.h>

#include <algorithm>

#include "core/event.h"
#include "core/event_types.h"
#include "shm/body_file.h"
#include "shm/peek.h"
#include "stream/metrics_reader.h"

namespace evbus::cli {
namespace {

std::uint64_t Minus(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

double PerSecond(std::uint64_t before, std::uint64_t now, double seconds) {
  return seconds > 0 ? static_cast<double>(Minus(now, before)) / seconds : 0.0;
}

// At most kExcerptChars characters on one line, cut on a UTF-8 boundary.
std::string Excerpt(std::string_view text) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const bool continuation = (c & 0xC0) == 0x80;
    if (!continuation && chars == kExcerptChars) {
      out += "...";
      break;
    }
    if (!continuation) ++chars;
    out.push_back(c < 0x20 ? ' ' : static_cast<char>(c));
  }
  return out;
}

// The event's message when it has one, else its JSON body.
std::string Summarise(std::string_view body) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (!doc.HasParseError() && doc.IsObject()) {
    auto it = doc.FindMember("message");
    if (it != doc.MemberEnd() && it->value.IsString() && it->value.GetStringLength() > 0) {
      return Excerpt(std::string_view(it->value.GetString(), it->value.GetStringLength()));
    }
  }
  return Excerpt(body);
}

RecentEvent Describe(const shm::Segment& segment, std::uint64_t id, std::vector<char>* buffer) {
  RecentEvent out;
  out.id = id;
  shm::Record rec;
  switch (shm::PeekRecord(segment, id, &rec, buffer)) {
    case shm::PeekStatus::kRecord:
      out.status = "ok";
      break;
    case shm::PeekStatus::kAbandoned:
      out.status = "abandoned";
      return out;
    case shm::PeekStatus::kUncommitted:
      out.status = "in_flight";
      return out;
    case shm::PeekStatus::kOverwritten:
      out.status = "overwritten";
      return out;
    case shm::PeekStatus::kCorrupt:
      out.status = "corrupt";
      return out;
  }
  out.source = std::string(SourceName(static_cast<Source>(rec.meta.source & 3)));
  if (IsValidEventType(rec.meta.type))
    out.type = std::string(GetEventType(rec.meta.type).class_name);
  out.excerpt = Summarise(rec.body);
  return out;
}

const shm::SubscriberStats* Find(const shm::SegmentStats& stats, const shm::SubscriberStats& s) {
  for (const shm::SubscriberStats& b : stats.subscribers) {
    if (b.slot == s.slot && b.pid == s.pid && b.name == s.name) return &b;
  }
  return nullptr;
}

}  // namespace

InspectFrame BuildFrame(const shm::Segment& segment, const shm::SegmentStats& before,
                        const shm::SegmentStats& now, double interval_seconds) {
  const shm::SegmentHeader& h = segment.header();
  InspectFrame f;
  f.stream = h.stream;
  f.user = h.user;
  f.stats = now;
  f.layout.version = h.layout_version;
  f.layout.capacity_bytes = h.data_capacity;
  f.layout.index_entries = h.index_slots;
  f.layout.max_event_bytes = h.max_record_size;
  f.layout.segment_bytes = segment.size_bytes();
  f.layout.first_id = h.first_id.load(std::memory_order_relaxed);
  const shm::BodyUsage bodies = shm::ListBodies(segment);  // reads the directory only
  f.layout.body_files = bodies.files;
  f.layout.body_bytes = bodies.bytes;
  f.layout.created_ns = h.created_ns;
  f.layout.abandon_timeout_ns = h.abandon_timeout_ns;
  f.rate_interval_seconds = interval_seconds;
  f.events_per_second = PerSecond(before.next_id, now.next_id, interval_seconds);
  for (const shm::SubscriberStats& s : now.subscribers) {
    SubscriberView v;
    v.stats = s;
    v.lag_events = Minus(now.next_id, s.next_id);
    v.lag_bytes = Minus(now.tail, s.byte_pos);
    if (const shm::SubscriberStats* b = Find(before, s)) {
      v.delivered_per_second = PerSecond(b->delivered, s.delivered, interval_seconds);
    }
    if (s.durable && s.name == kPersisterSubscriberName) {
      f.persister.present = true;
      f.persister.alive = s.alive;
      f.persister.durable_id = static_cast<std::int64_t>(s.next_id) - 1;
      f.persister.lag_events = v.lag_events;
    }
    f.subscribers.push_back(std::move(v));
  }
  std::vector<char> buffer;
  for (std::uint64_t id = now.next_id; id > f.layout.first_id && f.recent.size() < kRecentEvents;) {
    --id;
    f.recent.push_back(Describe(segment, id, &buffer));
  }
  f.abandoned = shm::RecentAbandoned(segment, kRecentAbandoned);
  return f;
}

void AddCallbackMetrics(InspectFrame* frame) {
  auto processes = ReadStreamMetrics(frame->stream, frame->user);
  if (!processes.ok()) {
    frame->metrics_error = processes.status().message();
    return;
  }
  for (const StreamSnapshot& process : *processes) {
    for (const CallbackSnapshot& c : process.callbacks) {
      frame->callbacks.push_back(CallbackView{
          .pid = process.pid,
          .subscriber_id = std::string(SubscriberIdName(c.subscriber_id)),
          .callback_id = c.callback_id,
          .delivered = c.delivered,
          .failures = c.failures,
          .queue_depth = c.queue_depth,
          .dropped = c.dropped,
          .lost = c.lost,
          .latency_p50_seconds = static_cast<double>(ApproxPercentileNanos(c.latency, 50)) / 1e9,
          .latency_p99_seconds = static_cast<double>(ApproxPercentileNanos(c.latency, 99)) / 1e9,
      });
    }
  }
}

}  // namespace evbus::cli
