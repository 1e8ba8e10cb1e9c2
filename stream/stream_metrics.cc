#include "stream/stream_metrics.h"

#include <bit>
#include <string>

namespace evbus {

void LatencyHistogram::Record(std::int64_t ns) noexcept {
  const auto v = static_cast<std::uint64_t>(ns < 1 ? 1 : ns);
  int bucket = static_cast<int>(std::bit_width(v)) - 1;
  if (bucket >= kLatencyBuckets) bucket = kLatencyBuckets - 1;
  buckets_[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
}

std::array<std::uint64_t, kLatencyBuckets> LatencyHistogram::Counts() const noexcept {
  std::array<std::uint64_t, kLatencyBuckets> counts{};
  for (std::size_t i = 0; i < counts.size(); ++i) {
    counts[i] = buckets_[i].load(std::memory_order_relaxed);
  }
  return counts;
}

void LatencyHistogram::Reset() noexcept {
  for (auto& b : buckets_) b.store(0, std::memory_order_relaxed);
}

void CallbackCounters::Reset() noexcept {
  for (auto* c : {&enqueued, &queue_full, &dropped, &delivered, &failures, &dequeued, &caught_up,
                  &lost, &discarded}) {
    c->store(0, std::memory_order_relaxed);
  }
  latency.Reset();
}

void LoadCallbackCounters(const CallbackCounters& c, CallbackSnapshot* s) noexcept {
  s->delivered = c.delivered.load(std::memory_order_relaxed);
  s->failures = c.failures.load(std::memory_order_relaxed);
  s->queue_full = c.queue_full.load(std::memory_order_relaxed);
  s->dropped = c.dropped.load(std::memory_order_relaxed);
  s->caught_up = c.caught_up.load(std::memory_order_relaxed);
  s->lost = c.lost.load(std::memory_order_relaxed);
  s->discarded = c.discarded.load(std::memory_order_relaxed);
  const std::uint64_t enq = c.enqueued.load(std::memory_order_relaxed);
  const std::uint64_t deq = c.dequeued.load(std::memory_order_relaxed);
  s->queue_depth = enq > deq ? enq - deq : 0;
  s->latency = c.latency.Counts();
}

std::int64_t ApproxPercentileNanos(const std::array<std::uint64_t, kLatencyBuckets>& counts,
                                   double percentile) {
  std::uint64_t total = 0;
  for (std::uint64_t c : counts) total += c;
  if (total == 0) return 0;
  const double rank = percentile / 100.0 * static_cast<double>(total);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    if (static_cast<double>(seen) >= rank) return std::int64_t{1} << (i + 1);
  }
  return std::int64_t{1} << kLatencyBuckets;
}

namespace {

void AppendField(std::string* out, const char* name, std::uint64_t value) {
  *out += ",\"";
  *out += name;
  *out += "\":";
  *out += std::to_string(value);
}

}  // namespace

std::string SnapshotToJson(const StreamSnapshot& s) {
  // Names are validated ([A-Za-z0-9._-]); callback ids are escaped below.
  std::string out = "{\"session_id\":\"" + s.session_id + "\",\"user_id\":\"" + s.user_id + "\"";
  out += ",\"pid\":" + std::to_string(s.pid);
  out += s.stale ? ",\"stale\":true" : ",\"stale\":false";
  AppendField(&out, "unpublished_callbacks", s.unpublished);
  AppendField(&out, "events_added", s.events_added);
  AppendField(&out, "events_dispatched", s.events_dispatched);
  AppendField(&out, "dispatch_gaps", s.dispatch_gaps);
  out += ",\"callbacks\":[";
  for (std::size_t i = 0; i < s.callbacks.size(); ++i) {
    const CallbackSnapshot& c = s.callbacks[i];
    if (i > 0) out += ',';
    out += "{\"subscriber_id\":\"";
    out += SubscriberIdName(c.subscriber_id);
    out += "\",\"callback_id\":\"";
    for (char ch : c.callback_id) {
      if (ch == '"' || ch == '\\') out += '\\';
      if (static_cast<unsigned char>(ch) >= 0x20) out += ch;
    }
    out += '"';
    AppendField(&out, "delivered", c.delivered);
    AppendField(&out, "failures", c.failures);
    AppendField(&out, "queue_depth", c.queue_depth);
    AppendField(&out, "queue_full", c.queue_full);
    AppendField(&out, "dropped", c.dropped);
    AppendField(&out, "caught_up", c.caught_up);
    AppendField(&out, "lost", c.lost);
    AppendField(&out, "discarded", c.discarded);
    AppendField(&out, "latency_p50_ns",
                static_cast<std::uint64_t>(ApproxPercentileNanos(c.latency, 50)));
    AppendField(&out, "latency_p99_ns",
                static_cast<std::uint64_t>(ApproxPercentileNanos(c.latency, 99)));
    out += ",\"latency_log2_buckets\":[";
    for (std::size_t b = 0; b < c.latency.size(); ++b) {
      if (b > 0) out += ',';
      out += std::to_string(c.latency[b]);
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

}  // namespace evbus
