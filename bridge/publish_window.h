// The window of asynchronously published, not yet acknowledged messages of
// bridge out. nats.c calls OnAck from its own thread; the bridge's thread
// publishes and asks what is acknowledged.
//
// Thread safety: every method may be called from any thread (one mutex).
// Invariants:
//   1. Ids are added in increasing order; AckedThrough() is the highest id
//      such that every added id at or below it was acknowledged: the resume
//      point never passes a message the server may not hold.
//   2. A message whose publish failed (ack error or timeout) is kept, with
//      its Nats-Msg-Id header, and handed back by TakeFailed for a resend;
//      it stays unacknowledged until a resend is acknowledged.
#ifndef EVBUS_BRIDGE_PUBLISH_WINDOW_H_
#define EVBUS_BRIDGE_PUBLISH_WINDOW_H_

#include <nats/nats.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace evbus::bridge {

class PublishWindow {
 public:
  explicit PublishWindow(std::uint64_t capacity) : capacity_(capacity) {}
  ~PublishWindow();

  // Before publishing message `id` (> every id added before).
  void Add(std::uint64_t id);
  // Ids <= `id` need no acknowledgement (the server already holds them).
  void SetAckedThrough(std::int64_t id);
  // The nats.c ack handler (jsOptions.PublishAsync.AckHandler).
  static void OnAck(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure);

  // Waits up to timeout_ms until fewer than `capacity` messages are in flight.
  bool WaitForRoom(std::int64_t timeout_ms);
  // Waits up to timeout_ms until nothing is in flight.
  bool WaitDrained(std::int64_t timeout_ms);
  // Failed messages to publish again (the caller owns them).
  std::vector<natsMsg*> TakeFailed();

  std::int64_t AckedThrough() const;
  std::uint64_t in_flight() const;
  std::uint64_t acked() const;
  std::uint64_t failures() const;
  std::string last_error() const;

 private:
  void Acked(std::uint64_t id);
  void Failed(natsMsg* msg, const std::string& why);

  const std::uint64_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::uint64_t> unacked_;
  std::int64_t last_added_ = -1;
  std::vector<natsMsg*> failed_;
  std::uint64_t acked_ = 0, failures_ = 0;
  std::string last_error_;
};

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_PUBLISH_WINDOW_H_
