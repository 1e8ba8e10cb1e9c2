// Producer::Publish and PublishAbandoned: an attempt plus the bounded
// back-pressure wait, and the errors that name what is blocking.
#include <climits>

#include "shm/atomic128.h"
#include "shm/body_file.h"
#include "shm/liveness.h"
#include "shm/producer.h"
#include "shm/recovery.h"
#include "shm/sleepers.h"
#include "shm/wait.h"

namespace evbus::shm {
namespace {

constexpr std::int64_t kSliceNs = 1'000'000;  // re-check abandonment this often

}  // namespace

template <typename Attempt>
Status Producer::RetryWhileBackPressured(Attempt attempt, std::int64_t timeout_ns,
                                         std::size_t body_size) {
  // The common case costs no clock read: the timeout starts at the first wait.
  PublishResult result = attempt();
  if (result == PublishResult::kOk) return Status::OK();
  const std::int64_t start = MonotonicNanos();
  const std::int64_t deadline = timeout_ns < 0 ? INT64_MAX : start + timeout_ns;
  std::uint64_t stalled_on = ~std::uint64_t{0};
  std::int64_t stalled_since = start;
  for (;; result = attempt()) {
    switch (result) {
      case PublishResult::kOk:
        return Status::OK();
      case PublishResult::kTooLarge:
        return Status::TooLarge("record body is " + std::to_string(body_size) +
                                " bytes but segment '" + segment_->shm_name() + "' takes at most " +
                                std::to_string(max_record_size_) +
                                " (max_record_size); shrink the event or create the segment "
                                "with a larger max_record_size");
      case PublishResult::kAbandoned:
        if (!big_status_.ok()) return big_status_;
        return Status::Unavailable(
            "the record was abandoned by a reader because this producer took longer than the "
            "segment's abandon timeout between claim and commit; publish it again");
      case PublishResult::kBackPressured:
        break;
    }
    ++waits_;
    slot_->backpressure_waits.store(waits_, std::memory_order_relaxed);
    if (blocker_ == Blocker::kInFlight) {
      // An earlier record occupies the index entry we need: help recover it
      // if its producer died (nobody may be reading to do it for us).
      std::int64_t now = MonotonicNanos();
      if (stalled_on != blocked_id_) {
        stalled_on = blocked_id_;
        stalled_since = now;
      }
      TryAbandon(segment_, blocked_id_, blocked_stale_, now - stalled_since);
    }
    if (MonotonicNanos() >= deadline) return Status::BackPressured(DescribeBlocker());
    WaitForProgress(deadline);
  }
}

Status Producer::Publish(const RecordMeta& meta, std::string_view body, std::int64_t timeout_ns,
                         std::uint64_t* id) {
  if (body.size() > max_record_size_ && big_body_ == nullptr) {
    return PublishBig(meta, body, timeout_ns, id);
  }
  return RetryWhileBackPressured([&] { return TryPublish(meta, body, id); }, timeout_ns,
                                 body.size());
}

Status Producer::PublishAbandoned(std::int64_t timeout_ns, std::uint64_t* id) {
  return RetryWhileBackPressured([&] { return TryPublishAbandoned(id); }, timeout_ns, 0);
}

bool Producer::WaitForProgress(std::int64_t deadline_ns) {
  WaitWord* w = segment_->wait_word();
  std::int64_t until = MonotonicNanos() + kSliceNs;
  if (until > deadline_ns) until = deadline_ns;
  if (blocker_ == Blocker::kInFlight) {
    const IndexEntry* e = segment_->index_entry(blocked_id_);
    const std::uint64_t seen = blocked_stale_;
    return WaitUntil(WaitStrategy::kBlocking, &w->published_seq,
                     InFlightSleeper(*segment_, slot_index_), until, kSliceNs,
                     [e, seen] { return e->commit.load(std::memory_order_acquire) != seen; });
  }
  if (laggard_slot_ < 0) return true;
  const SubscriberSlot* s = segment_->subscriber_slot(static_cast<std::uint32_t>(laggard_slot_));
  const std::uint64_t id = s->next_id.load(std::memory_order_acquire);
  const std::uint64_t pos = s->byte_pos.load(std::memory_order_acquire);
  const std::uint32_t durable = s->durable.load(std::memory_order_acquire);
  return WaitUntil(WaitStrategy::kBlocking, &w->consumed_seq,
                   BackPressuredSleeper(*segment_, slot_index_), until, kSliceNs,
                   [s, id, pos, durable] {
                     return s->next_id.load(std::memory_order_acquire) != id ||
                            s->byte_pos.load(std::memory_order_acquire) != pos ||
                            s->durable.load(std::memory_order_acquire) != durable;
                   });
}

std::string Producer::DescribeBlocker() const {
  if (blocker_ == Blocker::kInFlight) {
    return "segment '" + segment_->shm_name() + "': record " + std::to_string(blocked_id_) +
           " is still being written by another producer and its index entry is needed again; "
           "it is abandoned automatically if that producer died or exceeds the abandon timeout (" +
           std::to_string(segment_->header().abandon_timeout_ns / 1'000'000) + " ms); retry later";
  }
  if (laggard_slot_ < 0) {
    return "segment '" + segment_->shm_name() + "' is full; retry later";
  }
  std::uint32_t i = static_cast<std::uint32_t>(laggard_slot_);
  const SubscriberSlot* s = segment_->subscriber_slot(i);
  char name[sizeof(s->name) + 1] = {};
  for (std::size_t k = 0; k < sizeof(s->name) && s->name[k] != '\0'; ++k) name[k] = s->name[k];
  bool alive = ProbeLock(segment_->fd(), SubscriberLockByte(i)) == LockState::kHeld;
  std::uint64_t cursor = s->next_id.load(std::memory_order_acquire);
  std::uint64_t head = LoadHalfAcquire(&segment_->claim()->next_id);
  return "durable subscriber '" + std::string(name) + "' (pid " +
         std::to_string(s->owner_pid.load(std::memory_order_relaxed)) +
         (alive ? ", alive" : ", not running") + ") is at id " + std::to_string(cursor) + ", " +
         std::to_string(head - cursor) + " records behind the head of segment '" +
         segment_->shm_name() + "', and the ring is full; " +
         (alive ? "it must read faster (or the producers slow down)"
                : "restart it, or drop its registration with Subscriber::Unregister");
}

}  // namespace evbus::shm
