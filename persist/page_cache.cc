#include "persist/page_cache.h"

#include <utility>

namespace evbus::persist {

std::shared_ptr<const LoadedPage> PageCache::Lookup(std::uint64_t first_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(first_id);
  if (it == index_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void PageCache::Insert(std::uint64_t first_id, std::shared_ptr<const LoadedPage> page) {
  std::lock_guard<std::mutex> lock(mu_);
  if (capacity_ == 0) return;
  auto it = index_.find(first_id);
  if (it != index_.end()) {
    it->second->second = std::move(page);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(first_id, std::move(page));
  index_[first_id] = lru_.begin();
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

void PageCache::Erase(std::uint64_t first_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(first_id);
  if (it == index_.end()) return;
  lru_.erase(it->second);
  index_.erase(it);
}

PageCacheStats PageCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return PageCacheStats{hits_, misses_, lru_.size()};
}

}  // namespace evbus::persist
