// RenderText: an InspectFrame as a screen for people, like top.
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string>

#include "tools/evbus/inspect_render.h"

namespace evbus::cli {
namespace {

void Append(std::string* out, const char* format, ...) __attribute__((format(printf, 2, 3)));
void Append(std::string* out, const char* format, ...) {
  char line[512];
  va_list ap;
  va_start(ap, format);
  std::vsnprintf(line, sizeof line, format, ap);
  va_end(ap);
  *out += line;
}

std::string Bytes(std::uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

std::string UtcTime(std::int64_t ns) {
  std::time_t secs = static_cast<std::time_t>(ns / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void Header(std::string* out, const InspectFrame& f) {
  const InspectLayout& l = f.layout;
  Append(out, "stream \"%s\"%s%s%s  segment %s (layout v%u), created %s by pid %d\n",
         f.stream.c_str(), f.user.empty() ? "" : " user \"", f.user.c_str(),
         f.user.empty() ? "" : "\"", f.stats.shm_name.c_str(), l.version,
         UtcTime(l.created_ns).c_str(), static_cast<int>(f.stats.creator_pid));
  Append(out, "ring %s, %u index entries, max event %s, segment %s, first id %llu\n",
         Bytes(l.capacity_bytes).c_str(), l.index_entries, Bytes(l.max_event_bytes).c_str(),
         Bytes(l.segment_bytes).c_str(), static_cast<unsigned long long>(l.first_id));
  if (l.body_files != 0) {
    Append(out, "big-event bodies: %llu files, %s beside the ring\n",
           static_cast<unsigned long long>(l.body_files), Bytes(l.body_bytes).c_str());
  }
  Append(out, "events %llu published (next id %llu), %.1f events/s over %.2f s; %s claimed\n",
         static_cast<unsigned long long>(f.stats.next_id - l.first_id),
         static_cast<unsigned long long>(f.stats.next_id), f.events_per_second,
         f.rate_interval_seconds, Bytes(f.stats.tail).c_str());
  Append(out,
         "asleep %u subscribers, %u producers; %llu futex wake calls, %llu dead sleepers cleared\n",
         f.stats.waiters, f.stats.producer_waiters,
         static_cast<unsigned long long>(f.stats.wake_calls),
         static_cast<unsigned long long>(f.stats.dead_waiters_cleared));
  if (f.persister.present) {
    Append(out, "persister %s, durable id %lld, lag %llu events\n",
           f.persister.alive ? "alive" : "NOT RUNNING",
           static_cast<long long>(f.persister.durable_id),
           static_cast<unsigned long long>(f.persister.lag_events));
  } else {
    Append(out, "persister none registered (events live only in the ring)\n");
  }
  for (const bridge::BridgeStatus& b : f.bridges) {
    Append(out,
           "bridge %s %s (pid %d) %s %s: acknowledged id %lld, lag %llu, in flight %llu, "
           "reconnects %llu\n",
           b.role.c_str(), b.state.c_str(), static_cast<int>(b.pid), b.server.c_str(),
           b.subject.c_str(), static_cast<long long>(b.acknowledged_id),
           static_cast<unsigned long long>(b.lag()), static_cast<unsigned long long>(b.in_flight),
           static_cast<unsigned long long>(b.reconnects));
  }
}

void Producers(std::string* out, const InspectFrame& f) {
  Append(out, "\nPRODUCERS %zu\n%4s  %-20s %8s %5s %10s %10s %8s  %s\n", f.stats.producers.size(),
         "SLOT", "NAME", "PID", "ALIVE", "EVENTS", "BYTES", "WAITS", "IN-FLIGHT");
  for (const shm::ProducerStats& p : f.stats.producers) {
    std::string claim = !p.in_flight ? "-" : "id " + std::to_string(p.in_flight_id);
    Append(out, "%4u  %-20s %8d %5s %10llu %10s %8llu  %s\n", p.slot, p.name.c_str(),
           static_cast<int>(p.pid), p.alive ? "yes" : "no",
           static_cast<unsigned long long>(p.published), Bytes(p.bytes).c_str(),
           static_cast<unsigned long long>(p.backpressure_waits), claim.c_str());
  }
}

void Subscribers(std::string* out, const InspectFrame& f) {
  Append(out, "\nSUBSCRIBERS %zu\n%4s  %-20s %8s %5s %7s %9s %9s %10s %10s %9s %6s\n",
         f.subscribers.size(), "SLOT", "NAME", "PID", "ALIVE", "DURABLE", "CURSOR", "LAG",
         "LAG-BYTES", "DELIVERED", "EVENTS/S", "GAPS");
  for (const SubscriberView& v : f.subscribers) {
    const shm::SubscriberStats& s = v.stats;
    Append(out, "%4u  %-20s %8d %5s %7s %9llu %9llu %10s %10llu %9.1f %6llu\n", s.slot,
           s.name.c_str(), static_cast<int>(s.pid), s.alive ? "yes" : "no",
           s.durable ? "yes" : "no", static_cast<unsigned long long>(s.next_id),
           static_cast<unsigned long long>(v.lag_events), Bytes(v.lag_bytes).c_str(),
           static_cast<unsigned long long>(s.delivered), v.delivered_per_second,
           static_cast<unsigned long long>(s.gaps));
  }
}

void Recent(std::string* out, const InspectFrame& f) {
  Append(out, "\nLAST EVENTS\n%8s  %-11s %-26s %s\n", "ID", "SOURCE", "TYPE", "EXCERPT");
  for (const RecentEvent& e : f.recent) {
    if (e.status != "ok") {
      Append(out, "%8llu  (%s)\n", static_cast<unsigned long long>(e.id), e.status.c_str());
      continue;
    }
    Append(out, "%8llu  %-11s %-26s %s\n", static_cast<unsigned long long>(e.id), e.source.c_str(),
           e.type.c_str(), e.excerpt.c_str());
  }
}

void Abandoned(std::string* out, const InspectFrame& f) {
  Append(out, "\nABANDONED %zu (among the last %u ids, newest first)\n", f.abandoned.size(),
         f.layout.index_entries);
  for (const shm::AbandonedRange& a : f.abandoned) {
    const std::string by =
        a.producer_pid > 0 ? "producer pid " + std::to_string(a.producer_pid) : "pid not known";
    Append(out, "%8llu..%-8llu  %s\n", static_cast<unsigned long long>(a.first),
           static_cast<unsigned long long>(a.last), by.c_str());
  }
}

void Callbacks(std::string* out, const InspectFrame& f) {
  const std::string note = f.metrics_error.empty() ? "" : " (" + f.metrics_error + ")";
  Append(out, "\nCALLBACKS %zu%s\n%8s  %-18s %-16s %10s %8s %6s %10s %10s\n", f.callbacks.size(),
         note.c_str(), "PID", "SUBSCRIBER", "CALLBACK", "DELIVERED", "FAILURES", "QUEUE", "P50",
         "P99");
  for (const CallbackView& c : f.callbacks) {
    Append(out, "%8lld  %-18s %-16s %10llu %8llu %6llu %8.1fus %8.1fus\n",
           static_cast<long long>(c.pid), c.subscriber_id.c_str(), c.callback_id.c_str(),
           static_cast<unsigned long long>(c.delivered),
           static_cast<unsigned long long>(c.failures),
           static_cast<unsigned long long>(c.queue_depth), c.latency_p50_seconds * 1e6,
           c.latency_p99_seconds * 1e6);
  }
}

}  // namespace

std::string RenderText(const InspectFrame& frame) {
  std::string out;
  Header(&out, frame);
  Producers(&out, frame);
  Subscribers(&out, frame);
  Callbacks(&out, frame);
  Recent(&out, frame);
  Abandoned(&out, frame);
  return out;
}

}  // namespace evbus::cli
