// Store: reads a stream's persisted events (OpenHands' EventStoreABC).
//
//   OpenHands                       evbus::persist::Store
//   search_events(start_id, end_id, reverse, filter, limit)
//                                   Search (iterator over meta + JSON text),
//                                   SearchEvents / SearchEventsJson (vectors)
//   get_event(id)                   GetEvent / GetEventJson
//   get_latest_event()              GetLatestEvent
//   get_latest_event_id()           GetLatestEventId (-1 when empty)
//
// Many readers may open a store while its persister appends; Refresh() (and
// GetLatestEventId, which calls it) picks up what was appended since. Opening
// reads the directory listing, the newest page's footer or the CHECKPOINT and
// the few records after it: never the whole store.
//
// Metadata filters run on record headers without touching the JSON: a page
// loaded into the LRU cache (hit/miss counters) carries a PageSummary, a
// dense column of its records' headers plus its type/source/date ranges, so
// a search skips pages no event of which can match and scans the column of
// the others; a query scans the JSON text.
// Abandoned ids and ids lost to corruption read as missing: searches skip
// them, GetEvent says NotFound and why.
//
// Thread safety: all methods may be called from any thread. An EventIterator
// belongs to one thread and keeps the pages it reads alive.
#ifndef EVBUS_PERSIST_STORE_H_
#define EVBUS_PERSIST_STORE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_env.h"
#include "base/status.h"
#include "core/event.h"
#include "core/event_filter.h"
#include "core/event_meta.h"
#include "persist/page_cache.h"
#include "persist/page_reader.h"
#include "persist/search_query.h"
#include "persist/store_paths.h"

namespace evbus::persist {

struct StoreOptions {
  std::size_t page_cache_pages = 16;
  bool continue_past_corruption = true;  // report a bad record and read on
  Env* env = nullptr;                    // nullptr: the real file system
  Reporter* reporter = nullptr;          // told about damaged records
};

// StoredEvent and SearchQuery: persist/search_query.h.

class Store;

// Matching events one at a time: `while (it.Next()) use(it.meta(), it.json());`
class EventIterator {
 public:
  bool Next();  // false at the end or on an I/O error (see status())
  const EventMeta& meta() const { return meta_; }
  std::optional<std::int64_t> cause() const { return cause_; }
  std::string_view json() const { return json_; }  // valid until the next Next()
  const Status& status() const { return status_; }

 private:
  friend class Store;
  EventIterator(const Store* store, const SearchQuery& query, std::int64_t latest_id);
  // Walks page_ from cursor_ towards `stop` (exclusive) over its header
  // column; true at a match (cursor_ moves past it), else cursor_ = stop.
  bool ScanPage(std::int64_t stop);

  const Store* store_;
  const EventFilter* filter_;
  std::int64_t cursor_;   // next id to look at
  std::int64_t lo_, hi_;  // inclusive range
  bool reverse_;
  std::int64_t remaining_;  // < 0: unlimited
  std::shared_ptr<const LoadedPage> page_;
  EventMeta meta_;
  std::optional<std::int64_t> cause_;
  std::string_view json_;
  Status status_;
};

class Store {
 public:
  // The store of (session_id, user_id) under `root`. NotFound if it has none.
  static Result<std::unique_ptr<Store>> Open(std::string_view root, std::string_view session_id,
                                             std::string_view user_id = {},
                                             const StoreOptions& options = {});
  // The store in an evbus/ directory.
  static Result<std::unique_ptr<Store>> OpenDir(const std::string& evbus_dir,
                                                const StoreOptions& options = {});

  EventIterator Search(const SearchQuery& query) const;
  Result<std::vector<StoredEvent>> SearchEventsJson(const SearchQuery& query) const;
  Result<std::vector<Event>> SearchEvents(const SearchQuery& query) const;

  Result<StoredEvent> GetEventJson(std::int64_t id) const;
  Result<Event> GetEvent(std::int64_t id) const;
  Result<Event> GetLatestEvent();
  std::int64_t GetLatestEventId();  // refreshes first; -1 when empty

  // Picks up pages and records appended since the last call.
  Status Refresh();
  std::int64_t latest_id() const;  // as of the last Refresh
  PageCacheStats cache_stats() const { return cache_.stats(); }

 private:
  friend class EventIterator;
  Store(std::string dir, const StoreOptions& options);
  // The verified page holding `id`, or null if no page does (status set on I/O errors).
  std::shared_ptr<const LoadedPage> PageFor(std::int64_t id, Status* status) const;
  std::shared_ptr<const LoadedPage> LoadPage(const PageFile& file, bool newest,
                                             Status* status) const;
  Result<std::int64_t> LatestIdOfNewestPage(const PageFile& file, std::uint64_t size) const;

  std::string dir_;
  StoreOptions options_;
  Env* env_;
  mutable PageCache cache_;
  mutable std::mutex mu_;  // guards the fields below
  std::vector<PageFile> pages_;
  std::int64_t latest_id_ = -1;
  std::uint64_t newest_size_ = 0;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_STORE_H_
