#include "persist/refilling_subscriber.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <thread>
#include <utility>

#include "persist/unified_view.h"
#include "shm/wait.h"

namespace evbus::persist {
namespace {

constexpr std::int64_t kStorePollNs = 1'000'000;

}  // namespace

Result<std::unique_ptr<RefillingSubscriber>> RefillingSubscriber::Attach(
    shm::Segment* segment, const RefillOptions& options) {
  if (options.subscriber.durable) {
    return Status::InvalidArgument(
        "a refilling subscriber must not be durable: a durable one is never lapped, so it has "
        "nothing to refill; attach an shm::Subscriber instead");
  }
  std::unique_ptr<RefillingSubscriber> out(new RefillingSubscriber(segment, options));
  EVBUS_ASSIGN_OR_RETURN(out->sub_, shm::Subscriber::Attach(segment, options.subscriber));
  out->next_id_ = out->sub_->next_id();
  return out;
}

Store* RefillingSubscriber::OpenStore() {
  if (store_ == nullptr && !options_.store_root.empty()) {
    StoreOptions so;
    so.page_cache_pages = options_.page_cache_pages;
    auto opened = Store::Open(options_.store_root, options_.session_id, options_.user_id, so);
    if (opened.ok()) store_ = std::move(*opened);
  }
  return store_.get();
}

void RefillingSubscriber::BeginRefill(std::uint64_t first, std::uint64_t last) {
  assert(first == next_id_ && "the ring reports gaps from the subscriber's next id");
  ++stats_.gaps;
  refilling_ = true;
  next_id_ = first;
  refill_last_ = last;
  refill_it_.reset();
  pending_.reset();
  // The persister may not have stored what the ring dropped yet: wait for it,
  // bounded, when one is registered (without one, nobody will store it).
  const bool persisting = HasDurableSubscriber(*segment_);
  const std::int64_t deadline = shm::MonotonicNanos() + (persisting ? options_.store_wait_ns : 0);
  const auto wanted = static_cast<std::int64_t>(last);
  Store* store = OpenStore();
  refill_store_latest_ = -1;
  while (true) {
    if (store == nullptr) store = OpenStore();
    if (store != nullptr) refill_store_latest_ = store->GetLatestEventId();
    if (refill_store_latest_ >= wanted || shm::MonotonicNanos() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::nanoseconds(kStorePollNs));
  }
  if (store == nullptr) return;
  SearchQuery query;
  query.start_id = static_cast<std::int64_t>(first);
  query.end_id = wanted;
  refill_it_.emplace(store->Search(query));
}

RefillRead RefillingSubscriber::ReadRefill(StoredEvent* event, std::int64_t* first,
                                           std::int64_t* last) {
  if (!pending_ && refill_it_) {
    if (refill_it_->Next()) {
      pending_.emplace(
          StoredEvent{refill_it_->meta(), refill_it_->cause(), std::string(refill_it_->json())});
    } else {
      refill_it_.reset();  // exhausted (or unreadable: what is left is lost)
    }
  }
  const auto next = static_cast<std::int64_t>(next_id_);
  const auto gap_last = static_cast<std::int64_t>(refill_last_);
  RefillRead result;
  if (pending_ && pending_->meta.id == next) {
    *event = std::move(*pending_);
    pending_.reset();
    ++stats_.from_store;
    *first = *last = next;
    result = RefillRead::kEvent;
  } else if (pending_ || refill_store_latest_ >= next) {
    // The store covers these ids but holds no event for them.
    *first = next;
    *last = pending_ ? pending_->meta.id - 1 : std::min(refill_store_latest_, gap_last);
    stats_.missing += static_cast<std::uint64_t>(*last - *first + 1);
    result = RefillRead::kMissing;
  } else {
    *first = next;
    *last = gap_last;
    stats_.lost += static_cast<std::uint64_t>(*last - *first + 1);
    result = RefillRead::kLost;
  }
  next_id_ = static_cast<std::uint64_t>(*last) + 1;
  if (next_id_ > refill_last_) {
    refilling_ = false;
    refill_it_.reset();
  }
  return result;
}

RefillRead RefillingSubscriber::Read(StoredEvent* event, std::int64_t timeout_ns,
                                     std::int64_t* first, std::int64_t* last) {
  if (refilling_) return ReadRefill(event, first, last);
  shm::Record rec;
  const shm::ReadStatus r = sub_->Read(&rec, timeout_ns);
  switch (r) {
    case shm::ReadStatus::kEmpty:
      return RefillRead::kEmpty;
    case shm::ReadStatus::kGap:
      BeginRefill(rec.gap_first, rec.gap_last);
      return ReadRefill(event, first, last);
    case shm::ReadStatus::kRecord:
      if (!StoredEventFromRecord(rec, event).ok()) break;  // a header no event has: missing
      next_id_ = rec.id + 1;
      ++stats_.from_ring;
      *first = *last = static_cast<std::int64_t>(rec.id);
      return RefillRead::kEvent;
    case shm::ReadStatus::kAbandoned:
    case shm::ReadStatus::kCorrupt:
      break;
  }
  next_id_ = rec.id + 1;
  ++stats_.missing;
  *first = *last = static_cast<std::int64_t>(rec.id);
  return RefillRead::kMissing;
}

}  // namespace evbus::persist
