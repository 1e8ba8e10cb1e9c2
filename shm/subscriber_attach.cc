// Subscriber attach/detach: slot ownership (liveness lock), durable
// registration and resumption, start positions.
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "shm/atomic128.h"
#include "shm/fence.h"
#include "shm/sleepers.h"
#include "shm/subscriber.h"

namespace evbus::shm {
namespace {

constexpr std::size_t kSubscriberNameCapacity = sizeof(SubscriberSlot::name);

std::string SlotName(const SubscriberSlot& s) {
  return std::string(s.name, strnlen(s.name, kSubscriberNameCapacity));
}

// Durable registration slot of `name`, or -1.
int FindDurable(const Segment& segment, std::string_view name) {
  for (std::uint32_t i = 0; i < kSubscriberSlots; ++i) {
    const SubscriberSlot* s = segment.subscriber_slot(i);
    if (s->durable.load(std::memory_order_acquire) != 0 && SlotName(*s) == name) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

}  // namespace

Subscriber::~Subscriber() {
  if (slot_ == nullptr) return;
  PublishProgress(true);
  if (!durable_) {
    slot_->owner_pid.store(0, std::memory_order_relaxed);
  }
  // Durable: the registration stays and keeps gating producers until the
  // same name attaches again or Unregister drops it.
}

Result<std::unique_ptr<Subscriber>> Subscriber::Attach(Segment* segment,
                                                       const SubscriberOptions& options) {
  if (segment->read_only()) {
    return Status::InvalidArgument(
        "a subscriber needs a read-write segment (it publishes its cursor); use Segment::Open");
  }
  if (options.name.size() >= kSubscriberNameCapacity) {
    return Status::InvalidArgument("subscriber name '" + options.name + "' is longer than " +
                                   std::to_string(kSubscriberNameCapacity - 1) + " characters");
  }
  if (options.durable && options.name.empty()) {
    return Status::InvalidArgument("a durable subscriber needs a name (it resumes by name)");
  }
  auto sub = std::unique_ptr<Subscriber>(new Subscriber());
  sub->segment_ = segment;
  const SegmentHeader& h = segment->header();
  sub->capacity_ = h.data_capacity;
  sub->index_slots_ = h.index_slots;
  sub->durable_ = options.durable;
  sub->wait_ = options.wait;
  sub->SetWakeBatch(options.wake_batch);
  EVBUS_RETURN_IF_ERROR(sub->TakeSlot(options));
  sub->buffer_.resize(h.max_record_size);
  return sub;
}

void Subscriber::SetWakeBatch(std::uint32_t requested) {
  std::uint64_t batch = requested;
  if (batch == 0) batch = std::min<std::uint64_t>(kDefaultWakeBatch, index_slots_ / 8);
  wake_batch_ = std::max<std::uint64_t>(1, std::min<std::uint64_t>(batch, index_slots_ / 2));
}

Status Subscriber::TakeSlot(const SubscriberOptions& options) {
  const std::string& shm = segment_->shm_name();
  int resume = options.durable ? FindDurable(*segment_, options.name) : -1;
  if (resume >= 0) {
    slot_index_ = static_cast<std::uint32_t>(resume);
    auto lock = LivenessLock::Acquire(shm, SubscriberLockByte(slot_index_));
    if (lock.status().code() == Status::Code::kBusy) {
      return Status::AlreadyExists(
          "durable subscriber '" + options.name + "' of '" + shm +
          "' is attached by a live process (pid " +
          std::to_string(
              segment_->subscriber_slot(slot_index_)->owner_pid.load(std::memory_order_relaxed)) +
          "); use another name or stop that process");
    }
    if (!lock.ok()) return lock.status();
    lock_ = std::move(*lock);
  } else {
    for (std::uint32_t i = 0; i < kSubscriberSlots && !lock_.held(); ++i) {
      if (segment_->subscriber_slot(i)->durable.load(std::memory_order_acquire) != 0) continue;
      auto lock = LivenessLock::Acquire(shm, SubscriberLockByte(i));
      if (!lock.ok() && lock.status().code() != Status::Code::kBusy) return lock.status();
      // A durable registration may have appeared between the check and the lock
      // (then `lock` is dropped here, unlocking).
      if (lock.ok() && segment_->subscriber_slot(i)->durable.load(std::memory_order_acquire) == 0) {
        lock_ = std::move(*lock);
        slot_index_ = i;
      }
    }
    if (!lock_.held()) {
      return Status::Busy("all " + std::to_string(kSubscriberSlots) + " subscriber slots of '" +
                          shm + "' are in use; detach some, or Unregister stale durable ones");
    }
  }
  slot_ = segment_->subscriber_slot(slot_index_);
  ForgetSubscriberSleeper(*segment_, slot_index_);  // a dead owner may have slept here
  slot_->owner_pid.store(static_cast<std::int32_t>(::getpid()), std::memory_order_relaxed);
  slot_->start_ticks.store(ProcessStartTicks(::getpid()), std::memory_order_relaxed);
  slot_->attached_ns.store(MonotonicNanos(), std::memory_order_relaxed);
  ChooseStart(options, resume >= 0);
  return Status::OK();
}

void Subscriber::ChooseStart(const SubscriberOptions& options, bool resumed) {
  if (resumed) {
    next_id_ = slot_->next_id.load(std::memory_order_acquire);
    byte_pos_ = slot_->byte_pos.load(std::memory_order_acquire);
    delivered_ = slot_->delivered.load(std::memory_order_relaxed);
    gaps_ = slot_->gaps.load(std::memory_order_relaxed);
    abandoned_ = slot_->abandoned_seen.load(std::memory_order_relaxed);
    corrupt_ = slot_->corrupt_seen.load(std::memory_order_relaxed);
    // Every claim from this head on came after the registration (it stood
    // all along): no gate cache lets a producer overwrite it (invariant 3).
    protected_from_ = LoadHalfAcquire(&segment_->claim()->next_id);
    return;
  }
  std::memset(slot_->name, 0, kSubscriberNameCapacity);
  std::memcpy(slot_->name, options.name.data(), options.name.size());
  const ClaimWord* claim = segment_->claim();
  const std::uint64_t tail = LoadHalfAcquire(&claim->tail);  // tail first, then head
  const std::uint64_t head = LoadHalfAcquire(&claim->next_id);
  switch (options.start) {
    case StartAt::kLatest:
      next_id_ = head;
      byte_pos_ = tail;
      break;
    case StartAt::kOldest:
      next_id_ = FirstIntact(head > index_slots_ ? head - index_slots_ : 0, 0);
      byte_pos_ = tail > capacity_ ? tail - capacity_ : 0;
      break;
    case StartAt::kAtId:
      next_id_ = options.start_id;
      byte_pos_ = tail > capacity_ ? tail - capacity_ : 0;
      break;
  }
  slot_->byte_pos.store(byte_pos_, std::memory_order_release);
  slot_->next_id.store(next_id_, std::memory_order_release);
  slot_->durable.store(durable_ ? 1 : 0, std::memory_order_release);
  if (durable_) {
    // Pairs with the fence in Producer::RefreshGate: a producer that did not
    // see this registration read a head <= the one loaded below, so nothing
    // from that head on can be overwritten before we read it.
    ThreadFence(std::memory_order_seq_cst);
    const std::uint64_t head_now = LoadHalfAcquire(&claim->next_id);
    if (options.start == StartAt::kLatest) next_id_ = head_now;
    protected_from_ = head_now;
  }
}

Status Subscriber::Unregister(Segment* segment, std::string_view name) {
  if (segment->read_only()) return Status::InvalidArgument("Unregister needs a read-write segment");
  int i = FindDurable(*segment, name);
  if (i < 0) {
    return Status::NotFound("no durable subscriber named '" + std::string(name) + "' in '" +
                            segment->shm_name() + "'");
  }
  auto index = static_cast<std::uint32_t>(i);
  auto lock = LivenessLock::Acquire(segment->shm_name(), SubscriberLockByte(index));
  if (lock.status().code() == Status::Code::kBusy) {
    return Status::Busy("durable subscriber '" + std::string(name) +
                        "' is attached by a live process; stop it first");
  }
  if (!lock.ok()) return lock.status();
  SubscriberSlot* slot = segment->subscriber_slot(index);
  slot->durable.store(0, std::memory_order_release);
  slot->owner_pid.store(0, std::memory_order_relaxed);
  return Status::OK();
}

}  // namespace evbus::shm
