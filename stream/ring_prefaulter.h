// RingPrefaulter: keeps an EventStream's data ring populated in this
// process's page tables (shm/ring_prefault.h says why), from the oldest
// byte the ring still holds to a little ahead of the producers' tail, on a
// thread of its own, so that neither add_event nor a callback's read takes
// the first-touch page faults of a ring this process has not touched yet.
//
// The thread starts at the first Note: after a publish (add_event), or
// after a read (the dispatcher, a direct callback worker), so a process
// that neither adds nor subscribes never has one. It populates the ring's
// written part (the last lap before the tail: what readers may still read)
// and kAhead bytes beyond the tail, sleeps until the tail comes within
// kLowWater of what it populated, and ends for good once it has populated
// one whole lap (every page is then mapped here) or when populating fails
// (an old kernel: publishes and reads then fault as before). Memory: pages
// are allocated at most kAhead bytes before a producer would have
// allocated them anyway; the written part's pages exist already.
//
// Thread safety: Note from any thread, also while or after Stop runs (it
// then does nothing); Stop from one thread at a time; the object must
// outlive every Note.
// Invariants:
//   1. After Stop returns, the thread has ended and touches nothing.
//   2. frontier() only grows, and never passes the start + one lap.
#ifndef EVBUS_STREAM_RING_PREFAULTER_H_
#define EVBUS_STREAM_RING_PREFAULTER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "shm/segment.h"
#include "stream/stream_options.h"

namespace evbus {

class RingPrefaulter {
 public:
  static constexpr std::uint64_t kAhead = 1u << 20;       // populated beyond the tail
  static constexpr std::uint64_t kLowWater = 512u << 10;  // wake when the tail is this close
  static constexpr std::uint64_t kStep = 128u << 10;      // one madvise; Stop waits for one

  RingPrefaulter(const shm::Segment* segment, ThreadFactory factory,
                 std::function<void(const std::string&)> log);
  ~RingPrefaulter() { Stop(); }
  RingPrefaulter(const RingPrefaulter&) = delete;
  RingPrefaulter& operator=(const RingPrefaulter&) = delete;

  // After a publish or a read. Lock-free and cheap while the tail is far
  // from the frontier or the work is done; otherwise wakes (or starts) the
  // thread.
  void Note() noexcept {
    if (done_.load(std::memory_order_relaxed)) return;
    if (TailHint() + kLowWater < frontier_.load(std::memory_order_relaxed)) return;
    if (pending_.exchange(true, std::memory_order_acq_rel)) return;
    Wake();
  }
  void Stop() noexcept;

  // The unwrapped end of the populated bytes (0 before the thread ran), and
  // whether the thread has ended for good (one lap populated, or failed).
  std::uint64_t frontier() const { return frontier_.load(std::memory_order_acquire); }
  bool done() const { return done_.load(std::memory_order_acquire); }

 private:
  std::uint64_t TailHint() const;
  void Wake() noexcept;
  void Run();
  // Populates up to `want`, a step at a time; false when populating failed.
  bool PopulateTo(std::uint64_t want);

  const shm::Segment* segment_;
  const ThreadFactory factory_;
  const std::function<void(const std::string&)> log_;
  const std::uint64_t lap_;  // the data ring's capacity
  std::uint64_t start_ = 0;  // one lap before the tail when the thread started (or 0); thread only
  std::atomic<std::uint64_t> frontier_{0};
  std::atomic<bool> done_{false};
  std::atomic<bool> pending_{false};  // a Note asked; the thread clears it
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::thread thread_;  // mu_ held to start it
  bool started_ = false;
};

}  // namespace evbus

#endif  // EVBUS_STREAM_RING_PREFAULTER_H_
