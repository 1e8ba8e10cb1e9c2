#include "persist/unified_view.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "shm/atomic128.h"
#include "shm/event_record.h"
#include "shm/subscriber.h"
#include "shm/wait.h"

namespace evbus::persist {
namespace {

constexpr std::int64_t kStorePollNs = 1'000'000;

}  // namespace

Status StoredEventFromRecord(const shm::Record& rec, StoredEvent* out) {
  Result<EventMeta> meta = EventMetaFromRecord(rec.id, rec.meta);
  if (!meta.ok()) return meta.status();
  out->meta = *meta;
  out->cause = rec.meta.cause >= 0 ? std::optional<std::int64_t>(rec.meta.cause) : std::nullopt;
  out->json.clear();
  AppendEventJsonWithId(rec.id, rec.body, &out->json);
  return Status::OK();
}

bool HasDurableSubscriber(const shm::Segment& segment) {
  for (std::uint32_t i = 0; i < shm::kSubscriberSlots; ++i) {
    if (segment.subscriber_slot(i)->durable.load(std::memory_order_acquire) != 0) return true;
  }
  return false;
}

UnifiedView::UnifiedView(shm::Segment* segment, UnifiedViewOptions options)
    : segment_(segment), options_(std::move(options)) {}

Result<std::unique_ptr<UnifiedView>> UnifiedView::Open(UnifiedViewOptions options) {
  auto attached = shm::Segment::Open(options.session_id, options.user_id);
  std::unique_ptr<shm::Segment> segment;
  if (attached.ok()) segment = std::move(*attached);
  auto view = std::make_unique<UnifiedView>(segment.get(), std::move(options));
  view->owned_segment_ = std::move(segment);
  if (view->segment_ == nullptr && view->store() == nullptr) {
    return Status::NotFound("stream \"" + view->options_.session_id +
                            "\" has neither a live ring (" + attached.status().message() +
                            ") nor a store under '" + view->options_.store_root +
                            "': check the stream name, user and root, or create and persist it");
  }
  return view;
}

std::uint64_t UnifiedView::RingHead() const noexcept {
  if (segment_ == nullptr) return 0;
  return shm::LoadHalfAcquire(&segment_->claim()->next_id);
}

Store* UnifiedView::store() {
  std::lock_guard<std::mutex> lock(mu_);
  if (store_ == nullptr && !options_.store_root.empty()) {
    StoreOptions so;
    so.page_cache_pages = options_.page_cache_pages;
    auto opened = Store::Open(options_.store_root, options_.session_id, options_.user_id, so);
    if (opened.ok()) store_ = std::move(*opened);
  }
  return store_.get();
}

bool UnifiedView::HasDurableConsumer() const {
  return segment_ != nullptr && HasDurableSubscriber(*segment_);
}

Status UnifiedView::FromStore(std::int64_t first, std::int64_t last, bool wait,
                              const Visitor& visit, const LostVisitor& lost, std::int64_t* next,
                              bool* stopped) {
  // The persister may still be writing what the ring dropped: wait for it
  // (bounded) when one is registered.
  const std::int64_t deadline =
      shm::MonotonicNanos() + (wait && HasDurableConsumer() ? options_.store_wait_ns : 0);
  Store* st = store();
  while (true) {
    if (st == nullptr) st = store();
    if (st != nullptr && st->GetLatestEventId() >= last) break;
    if (shm::MonotonicNanos() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::nanoseconds(kStorePollNs));
  }
  std::int64_t& cursor = *next;
  cursor = first;
  if (st != nullptr) {
    SearchQuery q;
    q.start_id = first;
    q.end_id = last;
    EventIterator it = st->Search(q);
    StoredEvent ev;
    while (it.Next()) {
      const std::int64_t id = it.meta().id;
      if (id > cursor && lost) lost(cursor, id - 1);
      ev.meta = it.meta();
      ev.cause = it.cause();
      ev.json.assign(it.json());
      cursor = id + 1;
      if (!visit(ev)) {
        *stopped = true;
        return Status::OK();
      }
    }
    if (!it.status().ok()) return it.status();
  }
  if (cursor <= last && lost) lost(cursor, last);
  cursor = last + 1;
  return Status::OK();
}

Status UnifiedView::ForEach(std::int64_t from, std::int64_t to, const Visitor& visit,
                            const LostVisitor& lost, std::int64_t* next) {
  std::int64_t cursor = std::max<std::int64_t>(from, 0);
  *next = cursor;
  if (segment_ == nullptr) {  // the store alone
    Store* st = store();
    const std::int64_t last = std::min(to, st != nullptr ? st->GetLatestEventId() : -1);
    if (cursor > last) return Status::OK();
    bool stopped = false;
    return FromStore(cursor, last, false, visit, lost, next, &stopped);
  }
  // Ids below the ring's first id were never in it: the store has them.
  const auto first =
      static_cast<std::int64_t>(segment_->header().first_id.load(std::memory_order_acquire));
  if (cursor < first && cursor <= to) {
    bool stopped = false;
    Status s = FromStore(cursor, std::min(first - 1, to), true, visit, lost, next, &stopped);
    if (!s.ok() || stopped) return s;
    cursor = *next;
  }
  if (cursor > to || static_cast<std::uint64_t>(cursor) >= RingHead()) return Status::OK();
  return FromRing(cursor, to, visit, lost, next);
}

Status UnifiedView::FromRing(std::int64_t cursor, std::int64_t to, const Visitor& visit,
                             const LostVisitor& lost, std::int64_t* next) {
  shm::SubscriberOptions so;
  so.name = "history";
  so.start = shm::StartAt::kAtId;
  so.start_id = static_cast<std::uint64_t>(cursor);
  EVBUS_ASSIGN_OR_RETURN(auto sub, shm::Subscriber::Attach(segment_, so));
  shm::Record rec;
  StoredEvent ev;
  *next = cursor;
  while (cursor <= to && static_cast<std::uint64_t>(cursor) < RingHead()) {
    const shm::ReadStatus r = sub->Read(&rec, options_.in_flight_wait_ns);
    if (r == shm::ReadStatus::kEmpty) break;  // still in flight after the wait
    const auto id = static_cast<std::int64_t>(rec.id);
    if (r == shm::ReadStatus::kGap) {
      const std::int64_t last = std::min(static_cast<std::int64_t>(rec.gap_last), to);
      bool stopped = false;
      Status s = FromStore(static_cast<std::int64_t>(rec.gap_first), last, true, visit, lost, next,
                           &stopped);
      if (!s.ok() || stopped) return s;
      cursor = last + 1;
      continue;
    }
    if (id > to) break;
    cursor = id + 1;
    if (r != shm::ReadStatus::kRecord) continue;          // abandoned or corrupt: no event
    if (!StoredEventFromRecord(rec, &ev).ok()) continue;  // a header no event has: as corrupt
    if (!visit(ev)) break;
  }
  *next = cursor;
  return Status::OK();
}

Result<std::vector<StoredEvent>> UnifiedView::SearchEventsJson(const SearchQuery& q) {
  std::vector<StoredEvent> out;
  const std::int64_t latest = GetLatestEventId();
  const std::int64_t lo = std::max<std::int64_t>(q.start_id, 0);
  const std::int64_t hi = q.end_id ? std::min(*q.end_id, latest) : latest;
  if (lo > hi) return out;
  // OpenHands: unset or 0 = unlimited, negative = stop after the first match.
  std::int64_t limit = q.limit.value_or(0);
  if (limit < 0) limit = 1;
  auto full = [&] { return limit > 0 && static_cast<std::int64_t>(out.size()) >= limit; };
  auto collect = [&](const StoredEvent& ev) {
    if (q.filter == nullptr || q.filter->Matches(ev.meta, ev.json)) out.push_back(ev);
    return q.reverse || !full();
  };
  std::int64_t next = 0;
  if (!q.reverse) {
    if (Status s = ForEach(lo, hi, collect, nullptr, &next); !s.ok()) return s;
    return out;
  }
  // Reverse: the ring's part (newest) first, then the store's, newest first.
  Store* st = store();
  const std::int64_t store_latest = st != nullptr ? st->GetLatestEventId() : -1;
  const std::int64_t split = std::max(lo, std::min(hi, store_latest) + 1);
  if (Status s = ForEach(split, hi, collect, nullptr, &next); !s.ok()) return s;
  std::reverse(out.begin(), out.end());
  if (limit > 0 && static_cast<std::int64_t>(out.size()) > limit) {
    out.resize(static_cast<std::size_t>(limit));
  }
  if (full() || st == nullptr || lo > split - 1) return out;
  SearchQuery sq = q;
  sq.start_id = lo;
  sq.end_id = split - 1;
  if (limit > 0) sq.limit = limit - static_cast<std::int64_t>(out.size());
  auto older = st->SearchEventsJson(sq);
  if (!older.ok()) return older.status();
  for (auto& ev : *older) out.push_back(std::move(ev));
  return out;
}

Result<StoredEvent> UnifiedView::GetEventJson(std::int64_t id) {
  std::optional<StoredEvent> found;
  std::int64_t next = 0;
  Status s = ForEach(
      id, id,
      [&](const StoredEvent& ev) {
        found = ev;
        return false;
      },
      nullptr, &next);
  if (!s.ok()) return s;
  if (!found) {
    return Status::NotFound("event " + std::to_string(id) +
                            " is not in the stream: neither the ring nor the store holds it "
                            "(never added, abandoned, or overwritten without a persister)");
  }
  return std::move(*found);
}

Result<StoredEvent> UnifiedView::GetLatestEventJson() {
  const std::int64_t latest = GetLatestEventId();
  if (latest < 0) {
    return Status::NotFound("stream \"" + options_.session_id + "\" holds no events yet");
  }
  return GetEventJson(latest);
}

std::int64_t UnifiedView::GetLatestEventId() {
  const auto ring_latest = static_cast<std::int64_t>(RingHead()) - 1;
  Store* st = store();
  const std::int64_t store_latest = st != nullptr ? st->GetLatestEventId() : -1;
  return std::max(ring_latest, store_latest);
}

}  // namespace evbus::persist
