// The window of asynchronously published, not yet acknowledged messages of
// bridge out. nats.c calls OnAck from its own thread; the bridge's thread
// publishes and asks what is acknowledged.
//
// Thread safety: every method may be called from any thread (one mutex).
// Invariants:
//   1. Ids are added in increasing order, each with the message that carries
//      it; AckedThrough() is the highest id such that every added id at or
//      below it was acknowledged: the resume point never passes a message
//      the server may not hold.
//   2. An acknowledgement is matched to its id by the message's address
//      (nats.c hands the published message back), not by parsing a header;
//      Rebind moves an id to the copy that is resent, before it is published.
//   3. A message whose publish failed (an ack error, or no ack within the
//      caller's deadline: see OverdueBefore) is kept, with its Nats-Msg-Id
//      header, and handed back by TakeFailed for a resend; it stays
//      unacknowledged until a resend is acknowledged.
//   4. The window bounds the span of ids, not the count in flight: WaitForRoom
//      returns true only while the ids from the first unacknowledged one to
//      the last added span fewer than `capacity`, so the next id stays within
//      `capacity` of every unacknowledged id. One message stuck without its
//      acknowledgement holds the bridge back (docs/multi-host.md, "Exactly
//      once, out", point 1: a hole can only lie in the last window).
//   5. The publisher is woken only when there is something to do: WaitForRoom
//      returns at once while there is room, and once it had to wait, only
//      when the span fell to the low-water mark (capacity - capacity/4) or a
//      publish failed; one wake-up per quarter window rather than one per
//      acknowledgement.
#ifndef EVBUS_BRIDGE_PUBLISH_WINDOW_H_
#define EVBUS_BRIDGE_PUBLISH_WINDOW_H_

#include <nats/nats.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace evbus::bridge {

class PublishWindow {
 public:
  explicit PublishWindow(std::uint64_t capacity);
  ~PublishWindow();

  // Before publishing `msg`, which carries `id` (> every id added before),
  // at `sent_ns` (shm::MonotonicNanos).
  void Add(std::uint64_t id, natsMsg* msg, std::int64_t sent_ns);
  // Before publishing `copy` in place of the failed or unsent `old` (nullptr:
  // `old`'s id is not being sent, its acknowledgement never comes).
  void Rebind(natsMsg* old, natsMsg* copy, std::int64_t sent_ns);
  // Whether a message in flight (not failed) was sent before `ns`.
  bool OverdueBefore(std::int64_t ns) const;
  // Publish failure of `msg` (its ack never came): kept for TakeFailed.
  void Failed(natsMsg* msg, const std::string& why);
  // Ids <= `id` need no acknowledgement (the server already holds them).
  void SetAckedThrough(std::int64_t id);
  // The nats.c ack handler (jsOptions.PublishAsync.AckHandler).
  static void OnAck(jsCtx* js, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* closure);

  // Returns true at once while the span (invariant 4) is below `capacity`;
  // else waits up to timeout_ms for the low-water mark or a failed publish.
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
  enum class State : std::uint8_t { kInFlight, kFailed, kAcked };
  struct Entry {
    std::uint64_t id;
    natsMsg* msg;  // the message whose acknowledgement counts; nullptr: none
    std::int64_t sent_ns;
    State state;
  };

  // Marks the entry of `msg` acknowledged; false if no unacknowledged entry
  // has that message.
  bool Acked(natsMsg* msg);
  // The unacknowledged entry of `msg`, or nullptr. mu_ held.
  Entry* Find(natsMsg* msg);
  // Ids from the first unacknowledged one through the last added; 0 when
  // every added id is acknowledged. mu_ held.
  std::uint64_t Span() const;
  // Wakes a waiter whose condition now holds. mu_ held.
  void WakeIfDue();

  const std::uint64_t capacity_;
  const std::uint64_t low_water_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Entry> entries_;  // in add order; the front is unacknowledged
  std::uint64_t in_flight_ = 0;
  std::int64_t last_added_ = -1;
  bool room_waiter_ = false, drain_waiter_ = false;
  std::vector<natsMsg*> failed_;
  std::uint64_t acked_ = 0, failures_ = 0;
  std::string last_error_;
};

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_PUBLISH_WINDOW_H_
