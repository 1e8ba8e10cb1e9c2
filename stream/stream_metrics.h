// Delivery metrics of one EventStream: per-callback counters and a log2
// latency histogram, updated lock-free by the workers and the dispatcher,
// read by Snapshot() and written as JSON for the inspector.
//
// Where the inspector finds them: the counters live in the process's metrics
// file in shared memory (metrics_layout.h, docs/event_stream.md "Metrics"),
// which ReadStreamMetrics (metrics_reader.h) maps read-only from any process.
//
// Thread safety: counters are relaxed atomics (each is exact on its own; a
// snapshot is not a consistent cut across counters). Any thread may read.
#ifndef EVBUS_STREAM_STREAM_METRICS_H_
#define EVBUS_STREAM_STREAM_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "stream/subscriber_id.h"

namespace evbus {

// Bucket b counts latencies in [2^b, 2^(b+1)) ns (bucket 0 also holds 0).
inline constexpr int kLatencyBuckets = 40;  // up to ~18 minutes

class LatencyHistogram {
 public:
  void Record(std::int64_t ns) noexcept;
  std::array<std::uint64_t, kLatencyBuckets> Counts() const noexcept;
  void Reset() noexcept;

 private:
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets> buckets_{};
};

// Approximate percentile (0..100) from bucket counts: the upper bound of the
// bucket holding it, in ns; 0 when empty.
std::int64_t ApproxPercentileNanos(const std::array<std::uint64_t, kLatencyBuckets>& counts,
                                   double percentile);

// Written by one callback's worker (and, for queue figures, the dispatcher).
// Fixed layout: it lives in shared memory (metrics_layout.h); the two
// writers' words sit on separate cache lines.
struct alignas(64) CallbackCounters {
  // Dispatcher-written.
  alignas(64) std::atomic<std::uint64_t> enqueued{0};  // put on the queue by the dispatcher
  std::atomic<std::uint64_t> queue_full{0};            // times the queue was full
  std::atomic<std::uint64_t> dropped{0};               // kDrop: events not delivered
  // Worker-written.
  alignas(64) std::atomic<std::uint64_t> delivered{0};  // callback invocations
  std::atomic<std::uint64_t> failures{0};               // invocations that threw
  std::atomic<std::uint64_t> dequeued{0};               // taken off the queue by the worker
  std::atomic<std::uint64_t> caught_up{0};  // delivered from the ring/store by the worker
  std::atomic<std::uint64_t> lost{0};       // ids neither the ring nor the store held
  std::atomic<std::uint64_t> discarded{0};  // left queued when close() timed out
  LatencyHistogram latency;                 // event timestamp -> callback start

  void Reset() noexcept;  // every counter to 0 (relaxed), before reuse
};

struct CallbackSnapshot {
  SubscriberId subscriber_id = SubscriberId::kTest;
  std::string callback_id;
  std::uint64_t delivered = 0, failures = 0, queue_full = 0, dropped = 0, caught_up = 0, lost = 0,
                discarded = 0;
  std::uint64_t queue_depth = 0;  // enqueued - dequeued
  std::array<std::uint64_t, kLatencyBuckets> latency{};
};

struct StreamSnapshot {
  std::string session_id, user_id;
  std::int64_t pid = 0;                 // the process of this EventStream
  bool stale = false;                   // ReadStreamMetrics: that process is gone
  std::uint64_t unpublished = 0;        // callbacks with no record in shared memory
  std::uint64_t events_added = 0;       // by this EventStream (this process)
  std::uint64_t events_dispatched = 0;  // records the dispatcher read
  std::uint64_t dispatch_gaps = 0;      // ids the dispatcher lost to laps
  std::vector<CallbackSnapshot> callbacks;
};

// Loads every counter (relaxed) into *out; queue_depth = enqueued - dequeued.
// Leaves subscriber_id and callback_id alone.
void LoadCallbackCounters(const CallbackCounters& counters, CallbackSnapshot* out) noexcept;

// {"session_id":..., "callbacks":[{"subscriber_id":"server", ..., "latency_p50_ns":...}]}
std::string SnapshotToJson(const StreamSnapshot& snapshot);

}  // namespace evbus

#endif  // EVBUS_STREAM_STREAM_METRICS_H_
