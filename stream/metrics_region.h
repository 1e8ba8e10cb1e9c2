// MetricsRegion: this process's metrics file of one EventStream (layout in
// metrics_layout.h), where the stream and its callbacks keep their counters
// so that any process of the same user (evbus inspect) can read them live.
//
// Create makes the file owner-only (0600) and maps it read-write, through an
// Env, each step checked (a failed one removes the file); Acquire
// lends a callback record for the life of a CallbackSlot; Unlink (at close)
// removes the file, and the mapping goes with the last slot and region
// reference. When every record is lent, a slot gets process-local counters
// and the header's `unpublished` count says so.
//
// Thread safety: every method may be called from any thread; counters are
// relaxed atomics written by their one owner (metrics_layout.h says which).
// Invariants:
//   1. A record is lent to at most one slot at a time (CAS free -> writing).
//   2. A record's identity and zeroed counters are written before its state
//      turns live, and left alone until it is free again.
//   3. The mapping outlives every slot (each slot holds the region).
#ifndef EVBUS_STREAM_METRICS_REGION_H_
#define EVBUS_STREAM_METRICS_REGION_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "base/file_env.h"
#include "base/status.h"
#include "stream/metrics_layout.h"
#include "stream/subscriber_id.h"

namespace evbus {

class MetricsRegion;

// One callback's counters, in the metrics file while it is lent. Move-only.
class CallbackSlot {
 public:
  CallbackSlot() = default;
  ~CallbackSlot();
  CallbackSlot(CallbackSlot&& other) noexcept;
  CallbackSlot& operator=(CallbackSlot&& other) noexcept;

  CallbackCounters* counters() const noexcept { return counters_; }
  bool published() const noexcept { return record_ != nullptr; }

 private:
  friend class MetricsRegion;
  void Release() noexcept;

  std::shared_ptr<MetricsRegion> region_;
  metrics_layout::CallbackRecord* record_ = nullptr;
  std::unique_ptr<CallbackCounters> local_;
  CallbackCounters* counters_ = nullptr;
};

class MetricsRegion : public std::enable_shared_from_this<MetricsRegion> {
 public:
  // The file of instance `instance` (0 = the first) of `pid` for a stream.
  static std::string PathFor(std::string_view session_id, std::string_view user_id,
                             std::int64_t pid, std::uint32_t instance);
  // Creates and maps this process's file for the stream (names validated by
  // the caller) through `env` (nullptr: the real file system; it must
  // outlive the region). IOError tells what failed and on which path.
  static Result<std::shared_ptr<MetricsRegion>> Create(std::string_view session_id,
                                                       std::string_view user_id,
                                                       Env* env = nullptr);
  ~MetricsRegion();  // Unlink() (its error lost), then unmaps
  MetricsRegion(const MetricsRegion&) = delete;
  MetricsRegion& operator=(const MetricsRegion&) = delete;

  metrics_layout::StreamCounters* stream() const noexcept { return &header_->counters; }
  CallbackSlot Acquire(SubscriberId subscriber_id, std::string_view callback_id);
  // Removes the file (idempotent: later calls return OK); the mapping stays
  // valid for its users. IOError naming the file when the removal fails.
  Status Unlink();
  const std::string& path() const { return path_; }

 private:
  MetricsRegion(std::string path, Env* env, MappedRegion region);

  const std::string path_;
  Env* const env_;
  MappedRegion region_;  // unmapped with the region
  metrics_layout::FileHeader* const header_;
  std::mutex unlink_mu_;
  bool unlinked_ = false;
};

}  // namespace evbus

#endif  // EVBUS_STREAM_METRICS_REGION_H_
