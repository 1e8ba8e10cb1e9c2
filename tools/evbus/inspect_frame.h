// What `evbus inspect` shows about a live stream, gathered from a read-only
// mapping: layout and sizes, producers, subscribers, the persister, rates
// over a sampling interval, and the last few events. The renderers
// (inspect_render.h) turn one InspectFrame into text, JSON or Prometheus.
#ifndef EVBUS_TOOLS_EVBUS_INSPECT_FRAME_H_
#define EVBUS_TOOLS_EVBUS_INSPECT_FRAME_H_

#include <cstdint>
#include <string>
#include <vector>

#include "bridge/bridge_status.h"
#include "shm/peek.h"
#include "shm/segment.h"
#include "shm/stats.h"

namespace evbus::cli {

// The durable subscriber `evbus persist` registers (PersisterOptions' default).
inline constexpr char kPersisterSubscriberName[] = "persister";

struct InspectLayout {
  std::uint32_t version = 0;
  std::uint64_t capacity_bytes = 0;  // data ring
  std::uint32_t index_entries = 0;   // at most this many events in the ring
  std::uint32_t max_event_bytes = 0;
  std::uint64_t segment_bytes = 0;  // the whole shared-memory object
  std::uint64_t first_id = 0;       // ids below it were never in this ring
  std::uint64_t body_files = 0;     // big events' bodies beside the ring (shm/body_file.h)
  std::uint64_t body_bytes = 0;
  std::int64_t created_ns = 0;  // wall clock
  std::int64_t abandon_timeout_ns = 0;
};

struct SubscriberView {
  shm::SubscriberStats stats;
  std::uint64_t lag_events = 0;  // ids handed out that it has not read
  std::uint64_t lag_bytes = 0;   // ring bytes claimed beyond its byte cursor
  double delivered_per_second = 0;
};

struct PersisterView {
  bool present = false;  // a durable "persister" registration exists
  bool alive = false;
  std::int64_t durable_id = -1;  // last id the store has made durable; -1 none
  std::uint64_t lag_events = 0;
};

struct RecentEvent {
  std::uint64_t id = 0;
  std::string status;   // "ok", "abandoned", "overwritten", "corrupt"
  std::string source;   // "agent", "user", "environment" or ""
  std::string type;     // OpenHands class name, e.g. CmdRunAction
  std::string excerpt;  // the message (else the JSON), as stored (redacted)
};

// One callback of an EventStream process, from its metrics file
// (stream/metrics_reader.h).
struct CallbackView {
  std::int64_t pid = 0;
  std::string subscriber_id;  // OpenHands' value, e.g. "server"
  std::string callback_id;
  std::uint64_t delivered = 0, failures = 0, queue_depth = 0, dropped = 0, lost = 0;
  // Approximate (upper bound of the log2 histogram bucket), event timestamp
  // to callback start.
  double latency_p50_seconds = 0, latency_p99_seconds = 0;
};

struct InspectFrame {
  std::string stream, user;
  shm::SegmentStats stats;
  InspectLayout layout;
  std::vector<SubscriberView> subscribers;  // same order as stats.subscribers
  PersisterView persister;
  double rate_interval_seconds = 0;  // what the rates below were measured over
  double events_per_second = 0;      // ids handed out per second
  std::vector<RecentEvent> recent;   // newest first
  // Abandoned ids among the newest index_entries ids, newest first, with the
  // pid of the producer that abandoned them (0 = not known).
  std::vector<shm::AbandonedRange> abandoned;
  std::vector<CallbackView> callbacks;        // every live EventStream process's callbacks
  std::string metrics_error;                  // why callbacks could not be read ("" = fine)
  std::vector<bridge::BridgeStatus> bridges;  // each bridge's last status (docs/multi-host.md)
};

inline constexpr int kRecentEvents = 5;
inline constexpr std::size_t kRecentAbandoned = 10;  // ranges of ids
inline constexpr std::size_t kExcerptChars = 60;

// One frame: `now` is the snapshot taken at the end of the interval,
// `before` the one taken `interval_seconds` earlier (rates are computed from
// the difference; a subscriber absent from `before` gets rate 0).
InspectFrame BuildFrame(const shm::Segment& segment, const shm::SegmentStats& before,
                        const shm::SegmentStats& now, double interval_seconds);

// Adds the per-callback figures of the stream's live EventStream processes.
void AddCallbackMetrics(InspectFrame* frame);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_INSPECT_FRAME_H_
