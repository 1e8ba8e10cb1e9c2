#include "stream/ring_prefaulter.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "shm/ring_prefault.h"
#include "stream/stream_thread.h"

namespace evbus {

RingPrefaulter::RingPrefaulter(const shm::Segment* segment, ThreadFactory factory,
                               std::function<void(const std::string&)> log)
    : segment_(segment),
      factory_(std::move(factory)),
      log_(std::move(log)),
      lap_(segment->header().data_capacity) {}

std::uint64_t RingPrefaulter::TailHint() const { return shm::DataTailHint(*segment_); }

void RingPrefaulter::Wake() noexcept {
  std::lock_guard<std::mutex> lock(mu_);
  if (stop_.load(std::memory_order_relaxed)) return;
  if (started_) {
    wake_.notify_one();
    return;
  }
  started_ = true;
  Status s = StartStreamThread(
      factory_, "the ring prefaulter", [this] { Run(); }, &thread_);
  if (!s.ok()) {  // publishes fault as they go; nothing else changes
    done_.store(true, std::memory_order_release);
    log_("the data ring is not populated ahead: " + s.ToString());
  }
}

void RingPrefaulter::Stop() noexcept {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true, std::memory_order_relaxed);
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void RingPrefaulter::Run() {
  ::pthread_setname_np(::pthread_self(), "evbus-prefault");  // ps/top/bench pinning
  const std::uint64_t tail = TailHint();
  start_ = tail > lap_ ? tail - lap_ : 0;  // what readers may still read, then ahead
  frontier_.store(start_, std::memory_order_release);
  while (!stop_.load(std::memory_order_relaxed)) {
    pending_.store(false, std::memory_order_release);  // before the tail is read
    const std::uint64_t want = std::min(TailHint() + kAhead, start_ + lap_);
    if (!PopulateTo(want) || frontier_.load(std::memory_order_relaxed) >= start_ + lap_) break;
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait(lock, [this] {
      return stop_.load(std::memory_order_relaxed) || pending_.load(std::memory_order_acquire);
    });
  }
  done_.store(true, std::memory_order_release);
}

bool RingPrefaulter::PopulateTo(std::uint64_t want) {
  std::uint64_t from = frontier_.load(std::memory_order_relaxed);
  while (from < want && !stop_.load(std::memory_order_relaxed)) {
    const std::uint64_t to = std::min(want, from + kStep);
    Status s = shm::PopulateDataRing(*segment_, from, to);
    if (!s.ok()) {
      // An old kernel is not worth a line per stream; anything else is.
      if (s.code() != Status::Code::kUnavailable)
        log_("the data ring is not populated ahead: " + s.ToString());
      return false;
    }
    from = to;
    frontier_.store(from, std::memory_order_release);
  }
  return true;
}

}  // namespace evbus
