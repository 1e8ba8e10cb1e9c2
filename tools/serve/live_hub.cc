#include "tools/serve/live_hub.h"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "shm/atomic128.h"
#include "shm/subscriber.h"

namespace evbus::serve {
namespace {

// How long the hub sleeps when the ring has nothing new.
constexpr std::chrono::milliseconds kIdlePoll{1};
// The most records the hub reads before it wakes the clients waiting for
// them: one wake (a futex call and a context switch) per client per batch
// rather than per event while producers outrun the clients.
constexpr int kWakeBatch = 256;
// The most ids the ring's head may be ahead of the hub (checked once per
// batch). Beyond it the hub jumps to the head and gives every client one gap
// item for the ids it skipped, which the clients fetch over REST: when
// producers outrun the fan-out, clients stay live and are told where they
// stand, as a slow client is, rather than falling ever further behind.
constexpr std::uint64_t kMaxHubLag = 1u << 14;

// Test-only (tests/tools/serve_live_test.cc): EVBUS_TEST_SERVE_HUB_DELAY_US=N
// makes the hub sleep N microseconds after each record it reads, so that a
// test's producer outruns it.
std::chrono::microseconds TestDelayPerRecord() {
  const char* v = std::getenv("EVBUS_TEST_SERVE_HUB_DELAY_US");
  return std::chrono::microseconds(v == nullptr ? 0 : std::strtoll(v, nullptr, 10));
}

std::size_t ItemBytes(const LiveItem& item) { return item.json ? item.json->size() + 64 : 64; }

}  // namespace

bool LiveClientQueue::Offer(LiveItem item) {
  std::lock_guard<std::mutex> lock(mu_);
  // The client waits only on an empty queue (with no gap pending).
  const bool was_empty = items_.empty() && !gap_;
  const bool room = bytes_ < max_bytes_ && (!gap_ || bytes_ < max_bytes_ / 2);
  if (!room) {  // the client is behind: drop, and remember what
    if (!gap_) gap_ = LiveItem{LiveItem::Kind::kGap, item.first, item.last, nullptr};
    gap_->last = item.last;
    return was_empty;
  }
  if (gap_) {
    items_.push_back(*gap_);
    bytes_ += ItemBytes(*gap_);
    gap_.reset();
  }
  bytes_ += ItemBytes(item);
  items_.push_back(std::move(item));
  return was_empty;
}

bool LiveClientQueue::Take(std::vector<LiveItem>* out, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  ready_.wait_for(lock, timeout, [&] { return !items_.empty() || gap_.has_value(); });
  if (items_.empty() && !gap_) return false;
  for (LiveItem& item : items_) out->push_back(std::move(item));
  items_.clear();
  bytes_ = 0;
  if (gap_) {
    out->push_back(*gap_);
    gap_.reset();
  }
  return true;
}

// The first id is fixed here, not when the thread first runs: a session that
// attaches after this returns is owed every later id, and a thread scheduled
// late would otherwise start past ids published meanwhile (the session would
// then send them only when a later id arrived, after its history catch-up).
LiveHub::LiveHub(std::shared_ptr<persist::UnifiedView> view)
    : view_(std::move(view)), first_id_(view_->GetLatestEventId() + 1) {
  thread_ = std::thread([this] { Run(); });
}

LiveHub::~LiveHub() {
  stop_.store(true, std::memory_order_relaxed);
  thread_.join();
}

std::shared_ptr<LiveClientQueue> LiveHub::Attach(std::size_t max_bytes) {
  auto queue = std::make_shared<LiveClientQueue>(max_bytes);
  std::lock_guard<std::mutex> lock(mu_);
  clients_.push_back(queue);
  return queue;
}

void LiveHub::Detach(const std::shared_ptr<LiveClientQueue>& queue) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_.erase(std::remove(clients_.begin(), clients_.end(), queue), clients_.end());
}

void LiveHub::Offer(const LiveItem& item) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& client : clients_) {
    if (client->Offer(item)) to_wake_.push_back(client);
  }
}

void LiveHub::WakeWaiting() {
  for (const auto& client : to_wake_) client->Wake();
  to_wake_.clear();
}

void LiveHub::OfferStored(const persist::StoredEvent& event) {
  auto json = std::make_shared<const std::string>(event.json);
  Offer(LiveItem{LiveItem::Kind::kEvent, event.meta.id, event.meta.id, std::move(json)});
}

// Without a segment (a stored stream): whatever the view gains, polled.
void LiveHub::RunOverView(std::int64_t next) {
  while (!stop_.load(std::memory_order_relaxed)) {
    const std::int64_t before = next;
    const Status s = view_->ForEach(
        next, std::numeric_limits<std::int64_t>::max(),
        [&](const persist::StoredEvent& event) {
          OfferStored(event);
          return !stop_.load(std::memory_order_relaxed);
        },
        [&](std::int64_t first, std::int64_t last) {
          Offer(LiveItem{LiveItem::Kind::kLost, first, last, nullptr});
        },
        &next);
    WakeWaiting();
    if (!s.ok() || next == before) std::this_thread::sleep_for(kIdlePoll);
  }
}

// One read of the ring, not empty: its event, or its lost ids (from the
// store where it has them).
void LiveHub::HandleRead(shm::ReadStatus status, const shm::Record& record,
                         persist::StoredEvent* event) {
  switch (status) {
    case shm::ReadStatus::kEmpty:
      break;
    case shm::ReadStatus::kRecord:
      if (persist::StoredEventFromRecord(record, event).ok()) OfferStored(*event);
      break;
    case shm::ReadStatus::kGap: {
      std::int64_t after = 0;
      (void)view_->ForEach(
          static_cast<std::int64_t>(record.gap_first), static_cast<std::int64_t>(record.gap_last),
          [&](const persist::StoredEvent& e) {
            OfferStored(e);
            return true;
          },
          [&](std::int64_t first, std::int64_t last) {
            Offer(LiveItem{LiveItem::Kind::kLost, first, last, nullptr});
          },
          &after);
      break;
    }
    case shm::ReadStatus::kAbandoned:
    case shm::ReadStatus::kCorrupt: {
      const auto id = static_cast<std::int64_t>(record.id);
      Offer(LiveItem{LiveItem::Kind::kLost, id, id, nullptr});
      break;
    }
  }
}

// Moves *sub to the ring's head, with a gap item for the ids passed over,
// when the head is more than kMaxHubLag ids ahead of it.
void LiveHub::JumpIfFarBehind(shm::SubscriberOptions options,
                              std::unique_ptr<shm::Subscriber>* sub) {
  const std::uint64_t head = shm::LoadHalfAcquire(&view_->segment()->claim()->next_id);
  const std::uint64_t next = (*sub)->next_id();
  if (head <= next + kMaxHubLag) return;
  options.start_id = head;
  auto moved = shm::Subscriber::Attach(view_->segment(), options);
  if (!moved.ok()) return;  // no reader slot now: go on reading every id
  *sub = std::move(*moved);
  Offer(LiveItem{LiveItem::Kind::kGap, static_cast<std::int64_t>(next),
                 static_cast<std::int64_t>(head) - 1, nullptr});
}

// One long-lived non-durable reader that never sleeps in the segment: it
// polls (TryRead), so producers never have a sleeper of ours to wake, and it
// attaches once rather than per read. Ids the ring lapped come from the store.
void LiveHub::Run() {
  const std::int64_t next = first_id_;
  shm::SubscriberOptions options;
  options.name = "serve-live";
  options.start = shm::StartAt::kAtId;
  options.start_id = static_cast<std::uint64_t>(next);
  auto sub = view_->segment() == nullptr
                 ? Result<std::unique_ptr<shm::Subscriber>>(Status::NotFound("no segment"))
                 : shm::Subscriber::Attach(view_->segment(), options);
  if (!sub.ok()) return RunOverView(next);
  shm::Record record;
  persist::StoredEvent event;
  int unwoken = 0;  // records read since the last WakeWaiting
  const std::chrono::microseconds delay = TestDelayPerRecord();
  while (!stop_.load(std::memory_order_relaxed)) {
    const shm::ReadStatus status = (*sub)->TryRead(&record);
    if (status == shm::ReadStatus::kEmpty) {
      WakeWaiting();
      unwoken = 0;
      std::this_thread::sleep_for(kIdlePoll);
      continue;
    }
    HandleRead(status, record, &event);
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (++unwoken >= kWakeBatch) {
      JumpIfFarBehind(options, &*sub);
      WakeWaiting();
      unwoken = 0;
    }
  }
}

}  // namespace evbus::serve
