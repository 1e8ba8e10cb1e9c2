// Snapshot: loads every counter of a segment's tables, writing nothing.
#include "shm/stats.h"

#include <bit>
#include <cstring>

#include "shm/atomic128.h"
#include "shm/liveness.h"

namespace evbus::shm {
namespace {

template <std::size_t N>
std::string FixedName(const char (&name)[N]) {
  return std::string(name, strnlen(name, N));
}

ProducerStats ReadProducer(const Segment& seg, std::uint32_t i) {
  const ProducerSlot* s = seg.producer_slot(i);
  ProducerStats p;
  p.slot = i;
  p.name = FixedName(s->name);
  p.pid = s->owner_pid.load(std::memory_order_relaxed);
  p.start_ticks = s->start_ticks.load(std::memory_order_relaxed);
  p.alive = ProbeLock(seg.fd(), ProducerLockByte(i)) == LockState::kHeld;
  p.published = s->published.load(std::memory_order_relaxed);
  p.bytes = s->bytes.load(std::memory_order_relaxed);
  p.backpressure_waits = s->backpressure_waits.load(std::memory_order_relaxed);
  p.abandoned = s->abandoned.load(std::memory_order_relaxed);
  std::uint64_t state = s->state.load(std::memory_order_relaxed);
  p.in_flight = state != kStateIdle;
  // CLAIMED|id, or a restartable producer's INTENT|id (its claim may be made).
  const std::uint64_t kind = state & ~kStateIdMask;
  if (kind == kStateClaimed || kind == kStateIntent) p.in_flight_id = state & kStateIdMask;
  return p;
}

SubscriberStats ReadSubscriber(const Segment& seg, std::uint32_t i) {
  const SubscriberSlot* s = seg.subscriber_slot(i);
  SubscriberStats r;
  r.slot = i;
  r.name = FixedName(s->name);
  r.pid = s->owner_pid.load(std::memory_order_relaxed);
  r.alive = ProbeLock(seg.fd(), SubscriberLockByte(i)) == LockState::kHeld;
  r.durable = s->durable.load(std::memory_order_relaxed) != 0;
  r.next_id = s->next_id.load(std::memory_order_relaxed);
  r.byte_pos = s->byte_pos.load(std::memory_order_relaxed);
  r.delivered = s->delivered.load(std::memory_order_relaxed);
  r.gaps = s->gaps.load(std::memory_order_relaxed);
  r.abandoned_seen = s->abandoned_seen.load(std::memory_order_relaxed);
  r.corrupt_seen = s->corrupt_seen.load(std::memory_order_relaxed);
  return r;
}

}  // namespace

SegmentStats Snapshot(const Segment& segment) {
  const SegmentHeader& h = segment.header();
  SegmentStats st;
  st.shm_name = segment.shm_name();
  st.data_capacity = h.data_capacity;
  st.index_slots = h.index_slots;
  st.max_record_size = h.max_record_size;
  st.creator_pid = h.creator_pid;
  st.next_id = LoadHalfAcquire(&segment.claim()->next_id);
  st.tail = LoadHalfAcquire(&segment.claim()->tail);
  const WaitWord* w = segment.wait_word();
  st.waiters =
      static_cast<std::uint32_t>(std::popcount(w->waiters.load(std::memory_order_relaxed)));
  st.producer_waiters = static_cast<std::uint32_t>(
      std::popcount(w->producer_waiters.load(std::memory_order_relaxed) |
                    w->inflight_waiters.load(std::memory_order_relaxed)));
  st.wake_calls = w->wake_calls.load(std::memory_order_relaxed);
  st.dead_waiters_cleared = w->dead_waiters_cleared.load(std::memory_order_relaxed);
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    if (segment.producer_slot(i)->owner_pid.load(std::memory_order_relaxed) != 0) {
      st.producers.push_back(ReadProducer(segment, i));
    }
  }
  for (std::uint32_t i = 0; i < kSubscriberSlots; ++i) {
    const SubscriberSlot* s = segment.subscriber_slot(i);
    if (s->owner_pid.load(std::memory_order_relaxed) != 0 ||
        s->durable.load(std::memory_order_relaxed) != 0) {
      st.subscribers.push_back(ReadSubscriber(segment, i));
    }
  }
  return st;
}

}  // namespace evbus::shm
