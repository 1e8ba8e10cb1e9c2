// Bridge in: mirrors an origin stream's JetStream subject into a local
// segment at the origin's ids, so local subscribers, `evbus tail`, the
// inspector and a local persister work as if the producers were local.
// See docs/multi-host.md ("Exactly once, in").
//
// Thread safety: one thread runs Start and Run.
// Invariants:
//   1. The local segment's ids equal the origin's: event `id` is written
//      only when the segment's head is `id` (checked after the write).
//   2. Each id is written once: ids below the head are skipped (already
//      there after a restart, or a redelivery); ids above it wait in a
//      bounded buffer until the ids before them arrive.
//   3. An Evbus-Missing marker becomes an abandoned entry, never an event.
//   4. The previous run's unfinished claim at the head (it was killed between
//      claim and commit) is finished with the same record, read again from
//      the subject (shm::Producer::TakeOverClaim), not abandoned.
//   5. The local ring's first lap is populated in this process ahead of the
//      writes (a RingPrefaulter, noted after each write), and its thread has
//      ended before the segment is unmapped.
#ifndef EVBUS_BRIDGE_BRIDGE_IN_H_
#define EVBUS_BRIDGE_BRIDGE_IN_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/status.h"
#include "bridge/bridge_status.h"
#include "bridge/jetstream_subject.h"
#include "bridge/nats_connect.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "stream/ring_prefaulter.h"

namespace evbus::bridge {

struct BridgeInOptions {
  NatsConfig nats;
  StreamSpec stream;             // create is ignored: bridge in never creates a stream
  std::string session_id, user;  // the local stream
  std::string origin_session_id, origin_user;  // the subject's stream
  shm::SegmentOptions segment;                 // when the local segment is created
  std::uint64_t max_held = 4096;               // out-of-order messages held
  std::function<bool()> stop;
  std::function<void(const std::string&)> log;  // as BridgeOutOptions::log
};

class BridgeIn {
 public:
  ~BridgeIn();
  BridgeIn(const BridgeIn&) = delete;
  BridgeIn& operator=(const BridgeIn&) = delete;

  static Result<std::unique_ptr<BridgeIn>> Start(const BridgeInOptions& options);
  // Mirrors until options.stop() returns true.
  Status Run();
  std::uint64_t next_id() const { return next_id_; }
  // As BridgeOut's: the local ring's bytes populated in this process.
  std::uint64_t prefaulted_through() const { return prefaulter_->frontier(); }
  bool prefault_done() const { return prefaulter_->done(); }

 private:
  struct Held {
    bool missing = false;
    shm::RecordMeta meta;
    std::string body;
  };
  BridgeIn() = default;
  void FindUnfinishedHead();
  void ReportLost(std::uint64_t id, const std::string& why);
  Status TakeOver(std::uint64_t id, const Held& event);
  Status Subscribe();
  void Unsubscribe();
  void LogWaiting(const std::string& why);
  Status Accept(natsMsg* msg);
  Status Write(std::uint64_t id, const Held& event);
  void ReportStatus(bool force);
  void Log(const std::string& line) const;

  BridgeInOptions options_;
  std::string subject_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<RingPrefaulter> prefaulter_;  // after segment_: stopped before it is unmapped
  std::unique_ptr<shm::Producer> producer_;
  std::unique_ptr<NatsLink> link_;
  natsSubscription* sub_ = nullptr;
  bool started_ = false;   // the segment's first id is settled
  bool takeover_ = false;  // next_id_ is the previous run's unfinished claim
  std::uint64_t next_id_ = 0;
  std::uint64_t seen_next_ = 0;
  std::map<std::uint64_t, Held> held_;
  BridgeStatus status_;
  std::int64_t last_status_ns_ = 0;
  std::int64_t last_wait_log_ns_ = 0;
};

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_BRIDGE_IN_H_
