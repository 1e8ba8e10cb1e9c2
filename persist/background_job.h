// BackgroundJob: runs one piece of file-system work (an fdatasync, a page
// seal) on a worker thread while the caller carries on, so that the store
// writer keeps appending while the disk flushes (pipelined group commit). The
// worker is started once and sleeps between jobs: a woken sleeper is
// scheduled at once, where a new thread per job would queue behind every
// runnable task of a loaded machine.
//
// Thread safety: the owner (one thread) calls every method; the work runs on
// the worker. Whatever the work touches belongs to it until Join().
// Invariants:
//   1. At most one job runs at a time: Start() requires !pending().
//   2. The work's result is read only after Join() (which joins the thread).
#ifndef EVBUS_PERSIST_BACKGROUND_JOB_H_
#define EVBUS_PERSIST_BACKGROUND_JOB_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "base/status.h"

namespace evbus::persist {

class BackgroundJob {
 public:
  BackgroundJob() = default;
  ~BackgroundJob();  // joins the pending job, then stops the worker
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  // Runs `work` on the worker (here, when no thread can be started).
  void Start(std::function<Status()> work);
  bool pending() const { return pending_; }
  // True when no job is pending or the pending one has finished: Join() will
  // not wait.
  bool Finished() const noexcept;
  // Waits for the pending job and returns its status (OK when none).
  Status Join();

 private:
  void WorkerLoop();

  std::mutex mu_;
  std::condition_variable work_ready_;
  std::condition_variable work_done_;
  std::function<Status()> work_;  // guarded by mu_
  bool has_work_ = false;         // guarded by mu_
  bool stop_ = false;             // guarded by mu_
  Status status_;                 // guarded by mu_; written by the worker
  std::atomic<bool> done_{false};
  bool pending_ = false;  // owner only
  std::thread worker_;    // started by the first Start()
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_BACKGROUND_JOB_H_
