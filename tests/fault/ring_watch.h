// RingWatch: a durable (or not) subscriber on its own thread that checks
// every record of a torture stream with SeqChecker, accounts for every id
// (record, gap, abandoned, corrupt), and measures the longest stall: the
// longest time it made no progress while ids it had not read were claimed.
//
// Thread safety: Start/Stop/WaitUntil and the getters after Stop are for the
// thread that owns the RingWatch; head() and next_id() may be read while it runs.
// Invariants:
//   1. Every id from the subscriber's start to next_id() was fed exactly once.
#ifndef EVBUS_TESTS_FAULT_RING_WATCH_H_
#define EVBUS_TESTS_FAULT_RING_WATCH_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "shm/atomic128.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "shm/wait.h"
#include "tests/fault/event_payload.h"
#include "tests/testutil/assign_to.h"

namespace evbus::torture {

class RingWatch {
 public:
  explicit RingWatch(shm::Segment* segment) : segment_(segment) {}
  ~RingWatch() { Stop(); }

  // Attaches and starts reading; `per_record` (may be empty) runs after
  // each record, e.g. to be slow on purpose.
  Status Start(const shm::SubscriberOptions& options, std::function<void()> per_record = {}) {
    EVBUS_RETURN_IF_ERROR(
        ::evbus::testutil::AssignTo(&sub_, shm::Subscriber::Attach(segment_, options)));
    next_id_.store(sub_->next_id(), std::memory_order_relaxed);
    per_record_ = std::move(per_record);
    thread_ = std::thread([this] { Loop(); });
    return Status::OK();
  }

  void Stop() {
    stop_.store(true, std::memory_order_relaxed);
    if (thread_.joinable()) thread_.join();
    sub_.reset();  // before the segment goes away
  }

  // Ids claimed by producers so far (the segment's claim word).
  std::uint64_t head() const { return shm::LoadHalfAcquire(&segment_->claim()->next_id); }
  std::uint64_t next_id() const { return next_id_.load(std::memory_order_acquire); }

  // Waits until every id claimed now has been read; false after `timeout`.
  bool CatchUp(std::chrono::milliseconds timeout) {
    const std::uint64_t target = head();
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (next_id() < target) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::yield();
    }
    return true;
  }

  // After Stop().
  const SeqChecker& checker() const { return checker_; }
  std::uint64_t abandoned() const { return abandoned_; }
  std::uint64_t corrupt() const { return corrupt_; }
  std::uint64_t gaps() const { return gaps_; }
  std::uint64_t gap_ids() const { return gap_ids_; }
  std::uint64_t id_errors() const { return id_errors_; }
  double longest_stall_ms() const { return static_cast<double>(longest_stall_ns_) / 1e6; }

 private:
  void Loop() {
    shm::Record rec;
    std::int64_t last_progress = shm::MonotonicNanos();
    while (!stop_.load(std::memory_order_relaxed)) {
      const std::uint64_t expected = sub_->next_id();
      const shm::ReadStatus st = sub_->Read(&rec, 1'000'000);
      const std::int64_t now = shm::MonotonicNanos();
      if (st == shm::ReadStatus::kEmpty) {
        if (head() > expected && now - last_progress > longest_stall_ns_) {
          longest_stall_ns_ = now - last_progress;
        }
        if (head() <= expected) last_progress = now;
        continue;
      }
      last_progress = now;
      Account(st, rec, expected);
      // SYNC POINT WRITE: watch.next_id
      // Everything fed so far is counted before a waiter sees the new id.
      next_id_.store(sub_->next_id(), std::memory_order_release);
    }
  }

  void Account(shm::ReadStatus st, const shm::Record& rec, std::uint64_t expected) {
    switch (st) {
      case shm::ReadStatus::kRecord:
        if (rec.id != expected) ++id_errors_;
        checker_.Feed(rec.body);
        if (per_record_) per_record_();
        break;
      case shm::ReadStatus::kGap:
        if (rec.gap_first != expected) ++id_errors_;
        ++gaps_;
        gap_ids_ += rec.gap_last - rec.gap_first + 1;
        break;
      case shm::ReadStatus::kAbandoned:
        if (rec.id != expected) ++id_errors_;
        ++abandoned_;
        break;
      case shm::ReadStatus::kCorrupt:
        ++corrupt_;
        break;
      case shm::ReadStatus::kEmpty:
        break;
    }
  }

  shm::Segment* segment_;
  std::unique_ptr<shm::Subscriber> sub_;
  std::function<void()> per_record_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> next_id_{0};
  SeqChecker checker_;
  std::uint64_t abandoned_ = 0, corrupt_ = 0, gaps_ = 0, gap_ids_ = 0, id_errors_ = 0;
  std::int64_t longest_stall_ns_ = 0;
};

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_RING_WATCH_H_
