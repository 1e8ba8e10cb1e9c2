// Bridge out: a durable subscriber of a stream's ring ("bridge-out") that
// publishes every event to a JetStream subject, exactly once. See
// docs/multi-host.md ("Exactly once, out") for the argument.
//
// Thread safety: one thread runs Start and Run; nats.c's threads only touch
// the PublishWindow.
// Invariants:
//   1. At most `window` messages are unacknowledged; the ring cursor runs at
//      most `window` ids ahead of the acknowledged prefix.
//   2. The resume point comes from the server (the subject's highest
//      Evbus-Id and the ids below it within one window), never from local
//      state; every id is published with Nats-Msg-Id "<user|_>:<sid>:<id>".
//   3. Every id from the resume point on is published once per run: as the
//      event, or as an Evbus-Missing marker (abandoned, corrupt, or no longer
//      in the ring, which is also logged as lost).
//   4. The ring's first lap is populated in this process ahead of the reads
//      (a RingPrefaulter, noted after each read), and its thread has ended
//      before the segment is unmapped.
#ifndef EVBUS_BRIDGE_BRIDGE_OUT_H_
#define EVBUS_BRIDGE_BRIDGE_OUT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "base/status.h"
#include "bridge/bridge_status.h"
#include "bridge/jetstream_subject.h"
#include "bridge/nats_connect.h"
#include "bridge/publish_window.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "stream/ring_prefaulter.h"

namespace evbus::bridge {

inline constexpr char kBridgeOutName[] = "bridge-out";

struct BridgeOutOptions {
  NatsConfig nats;
  StreamSpec stream;
  std::string session_id;
  std::string user;
  std::uint64_t window = 256;
  std::function<bool()> stop;  // polled; true ends Run
  // One line per call; also called from the ring prefaulter's thread (only
  // when populating fails), so it must be safe to call from any thread.
  std::function<void(const std::string&)> log;
};

class BridgeOut {
 public:
  ~BridgeOut();
  BridgeOut(const BridgeOut&) = delete;
  BridgeOut& operator=(const BridgeOut&) = delete;

  // Attaches to the stream, connects, checks (or creates) the JetStream
  // stream, reads the resume point from the server, and republishes what
  // the server lacks of the last window. Errors are one line.
  static Result<std::unique_ptr<BridgeOut>> Start(const BridgeOutOptions& options);

  // Forwards events until options.stop() returns true, then waits (bounded)
  // for the acknowledgements in flight.
  Status Run();

  std::int64_t acknowledged_id() const { return window_->AckedThrough(); }
  // The unwrapped end of the ring bytes populated in this process, and
  // whether the prefaulter is done (one lap populated, or populating failed).
  std::uint64_t prefaulted_through() const { return prefaulter_->frontier(); }
  bool prefault_done() const { return prefaulter_->done(); }

 private:
  BridgeOut() = default;
  Status Resume();
  Status CatchUp(std::uint64_t from, std::uint64_t end, std::uint64_t server_max,
                 const std::set<std::uint64_t>& holes);
  Status Forward(shm::ReadStatus status, const shm::Record& record);
  Status Publish(std::uint64_t id, const shm::Record* record);
  void PublishMarkers(std::uint64_t first, std::uint64_t last, const char* why);
  void ResendFailed();
  void ExpireAcks(std::int64_t now);
  // At most every 200 ms unless forced: looks for overdue acknowledgements
  // (ExpireAcks) and writes the status file.
  void ReportStatus(bool force);
  void Log(const std::string& line) const;

  BridgeOutOptions options_;
  std::string subject_;
  std::string msg_id_prefix_;  // "<user|_>:<sid>:", MessageIdPrefix
  std::string msg_id_;         // Publish's Nats-Msg-Id buffer
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<RingPrefaulter> prefaulter_;  // after segment_: stopped before it is unmapped
  std::uint64_t first_id_ = 0;                  // the ring's first id, sent with every message
  std::unique_ptr<PublishWindow> window_;       // outlives link_: its ack handler
  std::unique_ptr<NatsLink> link_;
  std::unique_ptr<shm::Subscriber> sub_;
  SubjectIds server_;
  std::int64_t skip_through_ = -1;  // ids the server holds that the ring cursor has not passed
  BridgeStatus status_;
  std::int64_t last_status_ns_ = 0;
  std::int64_t last_warning_ns_ = 0;
};

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_BRIDGE_OUT_H_
