#include "stream/producer_pool.h"

#include <unistd.h>

#include <utility>

namespace evbus {

Result<std::unique_ptr<ProducerLease>> ProducerPool::Acquire() {
  std::uint64_t number = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) return Status::Unavailable("the stream is closed; open it again to add events");
    ++lent_;
    if (!free_.empty()) {
      auto lease = std::move(free_.back());
      free_.pop_back();
      return lease;
    }
    number = created_++;
  }
  auto lease = std::make_unique<ProducerLease>();
  const std::string name = "stream." + std::to_string(::getpid()) + "." + std::to_string(number);
  auto producer = shm::Producer::Attach(segment_, name);
  if (!producer.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --lent_;
    returned_.notify_all();
    return producer.status();
  }
  lease->producer = std::move(*producer);
  return lease;
}

void ProducerPool::Release(std::unique_ptr<ProducerLease> lease) {
  std::lock_guard<std::mutex> lock(mu_);
  free_.push_back(std::move(lease));
  --lent_;
  if (lent_ == 0) returned_.notify_all();
}

void ProducerPool::Close() {
  std::vector<std::unique_ptr<ProducerLease>> dead;
  {
    std::unique_lock<std::mutex> lock(mu_);
    closed_ = true;
    returned_.wait(lock, [this] { return lent_ == 0; });
    for (const auto& lease : free_) added_by_closed_ += lease->added;
    dead.swap(free_);
  }
  dead.clear();  // detaches the Producers outside the lock
}

std::uint64_t ProducerPool::added() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::uint64_t total = added_by_closed_;
  for (const auto& lease : free_) total += lease->added;
  return total;  // leases lent right now are counted when they come back
}

}  // namespace evbus
