#include "persist/background_job.h"

#include <system_error>
#include <utility>

namespace evbus::persist {

BackgroundJob::~BackgroundJob() {
  (void)Join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  work_ready_.notify_one();
  if (worker_.joinable()) worker_.join();
}

void BackgroundJob::Start(std::function<Status()> work) {
  pending_ = true;
  done_.store(false, std::memory_order_relaxed);
  if (!worker_.joinable()) {
    try {
      worker_ = std::thread([this] { WorkerLoop(); });
    } catch (const std::system_error&) {
      std::lock_guard<std::mutex> lock(mu_);
      status_ = work();  // no thread to be had: do the work now
      done_.store(true, std::memory_order_relaxed);
      return;
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    work_ = std::move(work);
    has_work_ = true;
  }
  work_ready_.notify_one();
}

void BackgroundJob::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_ready_.wait(lock, [this] { return has_work_ || stop_; });
    if (!has_work_) return;  // stop_
    has_work_ = false;
    std::function<Status()> work = std::move(work_);
    lock.unlock();
    Status status = work();
    lock.lock();
    status_ = std::move(status);
    // SYNC POINT WRITE: background_job.done
    // status_ and whatever the work wrote are complete.
    done_.store(true, std::memory_order_release);
    work_done_.notify_all();
  }
}

bool BackgroundJob::Finished() const noexcept {
  // SYNC POINT READ: background_job.done
  // true: the work has returned; Join() will not block.
  return !pending_ || done_.load(std::memory_order_acquire);
}

Status BackgroundJob::Join() {
  if (!pending_) return Status::OK();
  std::unique_lock<std::mutex> lock(mu_);
  work_done_.wait(lock, [this] { return done_.load(std::memory_order_relaxed); });
  pending_ = false;
  return std::move(status_);
}

}  // namespace evbus::persist
