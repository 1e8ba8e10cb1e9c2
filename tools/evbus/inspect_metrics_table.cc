// The tables of inspect_metrics_table.h. Row order is output order: the JSON
// object's member order and the Prometheus family order.
#include "tools/evbus/inspect_metrics_table.h"

namespace evbus::cli {
namespace {

MetricValue U(std::uint64_t v) { return v; }
MetricValue I(std::int64_t v) { return v; }
MetricValue S(const std::string& s) { return std::string_view(s); }

using L = InspectLayout;
constexpr InspectMetric<L> kLayout[] = {
    {"version", nullptr, nullptr, nullptr, [](const L& l) { return U(l.version); }},
    {"capacity_bytes", "evbus_ring_capacity_bytes", kGauge, "Bytes of the data ring.",
     [](const L& l) { return U(l.capacity_bytes); }},
    {"index_entries", "evbus_ring_index_entries", kGauge,
     "Index entries: most events the ring holds.", [](const L& l) { return U(l.index_entries); }},
    {"max_event_bytes", "evbus_max_event_size_bytes", kGauge,
     "Largest event body kept inside the ring; larger ones go to body files beside it.",
     [](const L& l) { return U(l.max_event_bytes); }},
    {"segment_bytes", "evbus_segment_size_bytes", kGauge,
     "Bytes of the whole shared-memory segment.", [](const L& l) { return U(l.segment_bytes); }},
    {"first_id", nullptr, nullptr, nullptr, [](const L& l) { return U(l.first_id); }},
    {"body_files", "evbus_big_event_bodies", kGauge,
     "Big events' body files beside the ring, not yet reclaimed.",
     [](const L& l) { return U(l.body_files); }},
    {"body_bytes", "evbus_big_event_body_bytes", kGauge, "Bytes of those body files.",
     [](const L& l) { return U(l.body_bytes); }},
    {"created_ns", nullptr, nullptr, nullptr, [](const L& l) { return I(l.created_ns); }},
    {nullptr, "evbus_segment_created_timestamp_seconds", kGauge,
     "When the segment was created, seconds since the Unix epoch.",
     [](const L& l) { return MetricValue(static_cast<double>(l.created_ns) / 1e9); }},
    {"abandon_timeout_ns", nullptr, nullptr, nullptr,
     [](const L& l) { return I(l.abandon_timeout_ns); }},
};

using F = InspectFrame;
constexpr InspectMetric<F> kFrame[] = {
    {"next_id", nullptr, nullptr, nullptr, [](const F& f) { return U(f.stats.next_id); }},
    {"events_published", "evbus_events_published_total", kCounter,
     "Event ids handed out by the ring.",
     [](const F& f) { return U(f.stats.next_id - f.layout.first_id); }},
    {"claimed_bytes", "evbus_ring_claimed_bytes_total", kCounter,
     "Ring bytes claimed since creation.", [](const F& f) { return U(f.stats.tail); }},
    {"waiters", "evbus_ring_sleeping_subscribers", kGauge,
     "Subscribers asleep on the ring's futex word, waiting for an event.",
     [](const F& f) { return U(f.stats.waiters); }},
    {"producer_waiters", "evbus_ring_sleeping_producers", kGauge,
     "Producers asleep, waiting for a durable consumer or an unfinished record.",
     [](const F& f) { return U(f.stats.producer_waiters); }},
    {"wake_calls", "evbus_ring_futex_wake_calls_total", kCounter,
     "Futex wake system calls made after commits and durable reads (only while someone sleeps).",
     [](const F& f) { return U(f.stats.wake_calls); }},
    {"dead_waiters_cleared", "evbus_ring_dead_sleepers_cleared_total", kCounter,
     "Sleepers killed in their sleep whose registration was cleared.",
     [](const F& f) { return U(f.stats.dead_waiters_cleared); }},
    {"rate_interval_seconds", nullptr, nullptr, nullptr,
     [](const F& f) { return MetricValue(f.rate_interval_seconds); }},
    {"events_per_second", nullptr, nullptr, nullptr,
     [](const F& f) { return MetricValue(f.events_per_second); }},
};

using P = shm::ProducerStats;
constexpr InspectMetric<P> kProducer[] = {
    {"slot", nullptr, nullptr, nullptr, [](const P& p) { return U(p.slot); }},
    {"name", nullptr, nullptr, nullptr, [](const P& p) { return S(p.name); }},
    {"pid", nullptr, nullptr, nullptr, [](const P& p) { return I(p.pid); }},
    {"alive", "evbus_producer_up", kGauge, "1 while the producer's process holds its slot.",
     [](const P& p) { return MetricValue(p.alive); }},
    {"events_published", "evbus_producer_events_published_total", kCounter,
     "Events the producer committed.", [](const P& p) { return U(p.published); }},
    {"bytes_published", "evbus_producer_published_bytes_total", kCounter,
     "Body bytes the producer committed.", [](const P& p) { return U(p.bytes); }},
    {"backpressure_waits", "evbus_producer_backpressure_waits_total", kCounter,
     "Times the producer waited for a durable consumer.",
     [](const P& p) { return U(p.backpressure_waits); }},
    {"abandoned", "evbus_producer_abandoned_events_total", kCounter,
     "The producer's records abandoned unfinished.", [](const P& p) { return U(p.abandoned); }},
    {"in_flight", "evbus_producer_in_flight_claims", kGauge, "1 while the producer holds a claim.",
     [](const P& p) { return MetricValue(p.in_flight); }},
    // null while idle, or claiming (the id is not known yet).
    {"in_flight_id", nullptr, nullptr, nullptr,
     [](const P& p) {
       return p.in_flight && p.in_flight_id != 0 ? U(p.in_flight_id) : MetricValue(nullptr);
     }},
};

using V = SubscriberView;
constexpr InspectMetric<V> kSubscriber[] = {
    {"slot", nullptr, nullptr, nullptr, [](const V& v) { return U(v.stats.slot); }},
    {"name", nullptr, nullptr, nullptr, [](const V& v) { return S(v.stats.name); }},
    {"pid", nullptr, nullptr, nullptr, [](const V& v) { return I(v.stats.pid); }},
    {"alive", "evbus_subscriber_up", kGauge, "1 while the subscriber's process holds its slot.",
     [](const V& v) { return MetricValue(v.stats.alive); }},
    {"durable", "evbus_subscriber_durable", kGauge, "1 when the subscriber gates producers.",
     [](const V& v) { return MetricValue(v.stats.durable); }},
    {"cursor", "evbus_subscriber_cursor_id", kGauge, "Next event id the subscriber reads.",
     [](const V& v) { return U(v.stats.next_id); }},
    {"lag_events", "evbus_subscriber_lag_events", kGauge, "Events handed out but not yet read.",
     [](const V& v) { return U(v.lag_events); }},
    {"lag_bytes", "evbus_subscriber_lag_bytes", kGauge, "Ring bytes claimed but not yet read.",
     [](const V& v) { return U(v.lag_bytes); }},
    {"delivered", "evbus_subscriber_delivered_events_total", kCounter,
     "Events the subscriber read.", [](const V& v) { return U(v.stats.delivered); }},
    {"delivered_per_second", nullptr, nullptr, nullptr,
     [](const V& v) { return MetricValue(v.delivered_per_second); }},
    {"gaps", "evbus_subscriber_gap_events_total", kCounter, "Event ids lost to ring laps.",
     [](const V& v) { return U(v.stats.gaps); }},
    {"abandoned_seen", "evbus_subscriber_abandoned_events_total", kCounter, "Abandoned ids seen.",
     [](const V& v) { return U(v.stats.abandoned_seen); }},
    {"corrupt_seen", "evbus_subscriber_corrupt_events_total", kCounter,
     "Records that failed their CRC.", [](const V& v) { return U(v.stats.corrupt_seen); }},
};

using Pv = PersisterView;
constexpr InspectMetric<Pv> kPersister[] = {
    {"alive", "evbus_persister_up", kGauge, "1 while the persister's process lives.",
     [](const Pv& p) { return MetricValue(p.alive); }},
    {"durable_id", "evbus_persister_durable_id", kGauge, "Last event id the store made durable.",
     [](const Pv& p) { return I(p.durable_id); }},
    {"lag_events", "evbus_persister_lag_events", kGauge, "Events handed out but not yet durable.",
     [](const Pv& p) { return U(p.lag_events); }},
};

// The queue depth stands where each format has always had it: two rows.
using C = CallbackView;
constexpr InspectMetric<C> kCallback[] = {
    {"pid", nullptr, nullptr, nullptr, [](const C& c) { return I(c.pid); }},
    {"subscriber_id", nullptr, nullptr, nullptr, [](const C& c) { return S(c.subscriber_id); }},
    {"callback_id", nullptr, nullptr, nullptr, [](const C& c) { return S(c.callback_id); }},
    {"delivered", "evbus_callback_delivered_events_total", kCounter, "Callback invocations.",
     [](const C& c) { return U(c.delivered); }},
    {"failures", "evbus_callback_failures_total", kCounter, "Callback invocations that threw.",
     [](const C& c) { return U(c.failures); }},
    {"queue_depth", nullptr, nullptr, nullptr, [](const C& c) { return U(c.queue_depth); }},
    {"dropped", "evbus_callback_dropped_events_total", kCounter, "Events dropped on a full queue.",
     [](const C& c) { return U(c.dropped); }},
    {"lost", "evbus_callback_lost_events_total", kCounter, "Ids neither ring nor store held.",
     [](const C& c) { return U(c.lost); }},
    {nullptr, "evbus_callback_queue_depth_events", kGauge, "Events queued for the callback.",
     [](const C& c) { return U(c.queue_depth); }},
    {"latency_p50_seconds", "evbus_callback_latency_p50_seconds", kGauge,
     "Median event-to-callback latency (upper bound of its log2 bucket).",
     [](const C& c) { return MetricValue(c.latency_p50_seconds); }},
    {"latency_p99_seconds", "evbus_callback_latency_p99_seconds", kGauge,
     "99th percentile event-to-callback latency (upper bound of its log2 bucket).",
     [](const C& c) { return MetricValue(c.latency_p99_seconds); }},
};

using R = RecentEvent;
constexpr InspectMetric<R> kRecent[] = {
    {"id", nullptr, nullptr, nullptr, [](const R& e) { return U(e.id); }},
    {"status", nullptr, nullptr, nullptr, [](const R& e) { return S(e.status); }},
    {"source", nullptr, nullptr, nullptr, [](const R& e) { return S(e.source); }},
    {"type", nullptr, nullptr, nullptr, [](const R& e) { return S(e.type); }},
    {"excerpt", nullptr, nullptr, nullptr, [](const R& e) { return S(e.excerpt); }},
};

using A = shm::AbandonedRange;
constexpr InspectMetric<A> kAbandoned[] = {
    {"first", nullptr, nullptr, nullptr, [](const A& a) { return U(a.first); }},
    {"last", nullptr, nullptr, nullptr, [](const A& a) { return U(a.last); }},
    {"producer_pid", nullptr, nullptr, nullptr, [](const A& a) { return I(a.producer_pid); }},
};

}  // namespace

std::span<const InspectMetric<InspectLayout>> LayoutMetrics() { return kLayout; }
std::span<const InspectMetric<InspectFrame>> FrameMetrics() { return kFrame; }
std::span<const InspectMetric<shm::ProducerStats>> ProducerMetrics() { return kProducer; }
std::span<const InspectMetric<SubscriberView>> SubscriberMetrics() { return kSubscriber; }
std::span<const InspectMetric<PersisterView>> PersisterMetrics() { return kPersister; }
std::span<const InspectMetric<CallbackView>> CallbackMetrics() { return kCallback; }
std::span<const InspectMetric<RecentEvent>> RecentEventMetrics() { return kRecent; }
std::span<const InspectMetric<shm::AbandonedRange>> AbandonedMetrics() { return kAbandoned; }

}  // namespace evbus::cli
