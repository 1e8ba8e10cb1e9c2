// PageCache: the store's least-recently-used cache of verified page images,
// bounded in pages, with hit and miss counters.
//
// Thread safety: all methods may be called from any thread (one mutex).
// Pages are handed out as shared_ptr<const>, so an evicted page stays valid
// for whoever still reads it.
// Invariants:
//   1. size() <= capacity() after every call.
//   2. hits() + misses() == number of Lookup() calls.
#ifndef EVBUS_PERSIST_PAGE_CACHE_H_
#define EVBUS_PERSIST_PAGE_CACHE_H_

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "persist/page_reader.h"
#include "persist/page_summary.h"

namespace evbus::persist {

// One page file, read whole and verified.
struct LoadedPage {
  std::string path;
  std::string bytes;
  ParsedPage parsed;
  PageSummary summary;  // header column and ranges for searches
};

struct PageCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::size_t pages = 0;
  double hit_rate() const {
    const std::uint64_t total = hits + misses;
    return total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
  }
};

class PageCache {
 public:
  explicit PageCache(std::size_t capacity_pages) : capacity_(capacity_pages) {}

  // The page of `first_id` if cached (now most recent); counts a hit or miss.
  std::shared_ptr<const LoadedPage> Lookup(std::uint64_t first_id);
  // Adds or replaces; evicts the least recently used beyond capacity.
  void Insert(std::uint64_t first_id, std::shared_ptr<const LoadedPage> page);
  void Erase(std::uint64_t first_id);

  PageCacheStats stats() const;
  std::size_t capacity() const { return capacity_; }

 private:
  using Entry = std::pair<std::uint64_t, std::shared_ptr<const LoadedPage>>;
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // front = most recent
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> index_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PAGE_CACHE_H_
