// CallbackWorker with direct dispatch: the worker reads the ring with its own
// cursor (callback_worker.h). Everything here runs on the worker thread.
#include <string>

#include "shm/event_record.h"
#include "shm/wait.h"
#include "stream/callback_worker.h"

namespace evbus {
namespace {

constexpr std::int64_t kDirectPollNs = 20'000'000;  // re-check stop requests this often

}  // namespace

bool CallbackWorker::DirectShouldExit() const noexcept {
  if (!stop_.load(std::memory_order_acquire)) return false;
  return next_id_ >= stop_until_.load(std::memory_order_relaxed) ||
         shm::MonotonicNanos() >= stop_deadline_ns_.load(std::memory_order_relaxed);
}

void CallbackWorker::RunDirect() {
  shm::Record record;
  std::string json;
  while (!DirectShouldExit()) {
    switch (reader_->Read(&record, kDirectPollNs)) {
      case shm::ReadStatus::kEmpty:
        break;
      case shm::ReadStatus::kRecord:
        reader_started_ = true;
        if (prefaulter_) prefaulter_->Note();
        DirectRecord(record, &json);
        break;
      case shm::ReadStatus::kGap:
        DirectGap(record.gap_first, record.gap_last);
        reader_started_ = true;
        break;
      case shm::ReadStatus::kAbandoned:  // no event has that id
      case shm::ReadStatus::kCorrupt:    // counted on the reader's slot
        reader_started_ = true;
        if (record.id >= next_id_) next_id_ = record.id + 1;
        break;
    }
    counters_->dequeued.store(next_id_ - start_id_, std::memory_order_relaxed);
  }
  const std::uint64_t until = stop_until_.load(std::memory_order_relaxed);
  if (until > next_id_) counters_->discarded.fetch_add(until - next_id_, std::memory_order_relaxed);
  reader_.reset();  // invariant 4: before Join returns
}

void CallbackWorker::DirectRecord(const shm::Record& record, std::string* json) {
  // The ring is this callback's queue: its depth is what was committed and
  // not yet handled (enqueued - dequeued, both counted from the start id).
  const std::uint64_t head = history_->RingHead();
  counters_->enqueued.store(head - start_id_, std::memory_order_relaxed);
  const bool over_bound = head - record.id - 1 > queue_size_;
  if (over_bound && !over_bound_) counters_->queue_full.fetch_add(1, std::memory_order_relaxed);
  over_bound_ = over_bound;
  if (over_bound && policy_ == FullQueuePolicy::kDrop) {
    counters_->dropped.fetch_add(1, std::memory_order_relaxed);
    next_id_ = record.id + 1;
    return;
  }
  Result<EventMeta> meta = EventMetaFromRecord(record.id, record.meta);
  if (!meta.ok()) {
    counters_->lost.fetch_add(1, std::memory_order_relaxed);  // skipped as corrupt
    log_("callback " + callback_id_ + ": " + meta.status().message());
    next_id_ = record.id + 1;
    return;
  }
  json->clear();
  AppendEventJsonWithId(record.id, record.body, json);
  DeliverJson(*meta, *json, /*from_history=*/false);
}

void CallbackWorker::DirectGap(std::uint64_t first, std::uint64_t last) {
  // A lap drops under kDrop; the history before a start in the past is
  // always replayed (it is what the subscription asked for).
  if (reader_started_ && policy_ == FullQueuePolicy::kDrop) {
    counters_->dropped.fetch_add(last - first + 1, std::memory_order_relaxed);
    next_id_ = last + 1;
    return;
  }
  bool aborted = false;
  auto visit = [&](const persist::StoredEvent& ev) {
    if (StopDeadlinePassed()) {
      aborted = true;
      return false;
    }
    DeliverJson(ev.meta, ev.json, /*from_history=*/true);
    return true;
  };
  auto lost = [&](std::int64_t lost_first, std::int64_t lost_last) {
    ReportLost(static_cast<std::uint64_t>(lost_first), static_cast<std::uint64_t>(lost_last));
    next_id_ = static_cast<std::uint64_t>(lost_last) + 1;
  };
  std::int64_t next = 0;
  Status s = history_->ForEach(static_cast<std::int64_t>(first), static_cast<std::int64_t>(last),
                               visit, lost, &next);
  if (!s.ok()) log_("history read for callback " + callback_id_ + " failed: " + s.ToString());
  if (aborted) return;  // the close deadline passed: the rest is discarded
  // Ids the history skipped (abandoned) or could not read are accounted for.
  if (static_cast<std::uint64_t>(next) > next_id_) next_id_ = static_cast<std::uint64_t>(next);
  if (next_id_ <= last) {
    ReportLost(next_id_, last);
    next_id_ = last + 1;
  }
}

}  // namespace evbus
