// The layout of a stream's metrics file: the one constants/layout header the
// writer (metrics_region.h, in every EventStream process) and the reader
// (metrics_reader.h, the inspector) share. docs/event_stream.md ("Metrics")
// is the prose spec.
//
// One file per EventStream instance, owner-only (0600), on tmpfs:
//   /dev/shm/evbus-metrics.[<uid>:]<sid>.<pid>[.<n>]
// (n > 0 only for a second EventStream of the same stream in one process.)
// All integers are native-endian (the file never leaves the host).
//
//   0                   8       12      16      20      24      28      32
//   +-------------------+-------+-------+-------+-------+-------+-------+
//   | magic (set last)  |version|hdr sz |rec sz |rec cap|  pid  |  0    |
//   +-------------------+-------+-------+-------+-------+-------+-------+
//   | start_ticks (u64) | created_unix_ns (i64) | 0 (16 bytes)          | 64
//   +-------------------+-----------------------+-----------------------+
//   | session_id (96 bytes, NUL-padded) | user_id (96 bytes, NUL-padded) | 256
//   +-------------------------------------------------------------------+
//   | events_added | events_dispatched | dispatch_gaps | unpublished ... | 320
//   +-------------------------------------------------------------------+
//   | record 0 (576 bytes) | record 1 | ... | record rec_cap-1           |
//   +-------------------------------------------------------------------+
//
// A record: 128 bytes of identity, then CallbackCounters (stream_metrics.h):
//   0  state_word u64: generation << 2 | state (0 free, 1 writing, 2 live)
//   8  subscriber_id u32 (SubscriberId), 12 callback_id_length u32,
//   16 callback_id (kMaxCallbackIdBytes, longer ids are truncated),
//   128 dispatcher-written line: enqueued, queue_full, dropped
//   192 worker-written: delivered, failures, dequeued, caught_up, lost,
//       discarded, then the 40 log2 latency buckets (u64 each).
#ifndef EVBUS_STREAM_METRICS_LAYOUT_H_
#define EVBUS_STREAM_METRICS_LAYOUT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "stream/stream_metrics.h"

namespace evbus::metrics_layout {

inline constexpr std::uint64_t kMagic = 0x3152544D53554245ull;  // "EBUSMTR1" little-endian
inline constexpr std::uint32_t kLayoutVersion = 1;
inline constexpr std::uint32_t kRecordCapacity = 64;  // callbacks per process shown live
inline constexpr std::size_t kNameBytes = 96;
inline constexpr std::size_t kMaxCallbackIdBytes = 112;
inline constexpr std::string_view kFilePrefix = "evbus-metrics.";
inline constexpr std::string_view kDir = "/dev/shm/";

inline constexpr std::uint64_t kStateFree = 0;
inline constexpr std::uint64_t kStateWriting = 1;
inline constexpr std::uint64_t kStateLive = 2;
inline constexpr std::uint64_t kStateMask = 3;

struct StreamCounters {
  std::atomic<std::uint64_t> events_added{0};       // add_event calls that published
  std::atomic<std::uint64_t> events_dispatched{0};  // records the dispatcher read
  std::atomic<std::uint64_t> dispatch_gaps{0};      // ids the dispatcher lost to laps
  std::atomic<std::uint64_t> unpublished{0};        // callbacks beyond kRecordCapacity
};

struct alignas(64) FileHeader {
  std::atomic<std::uint64_t> magic{0};  // stored last (release): the rest is valid
  std::uint32_t layout_version = 0;
  std::uint32_t header_size = 0;
  std::uint32_t record_size = 0;
  std::uint32_t record_capacity = 0;
  std::int32_t pid = 0;
  std::uint32_t reserved0 = 0;
  std::uint64_t start_ticks = 0;  // the owner's start time (shm::ProcessStartTicks)
  std::int64_t created_unix_ns = 0;
  std::uint64_t reserved1[2] = {};
  char session_id[kNameBytes] = {};
  char user_id[kNameBytes] = {};
  alignas(64) StreamCounters counters;
};

struct alignas(64) CallbackRecord {
  std::atomic<std::uint64_t> state_word{0};
  std::uint32_t subscriber_id = 0;  // written only in state kWriting (atomic_ref)
  std::uint32_t callback_id_length = 0;
  char callback_id[kMaxCallbackIdBytes] = {};
  CallbackCounters counters;
};

static_assert(std::is_standard_layout_v<FileHeader>);
static_assert(std::is_standard_layout_v<CallbackRecord>);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(sizeof(FileHeader) == 320);
static_assert(offsetof(FileHeader, session_id) == 64);
static_assert(offsetof(FileHeader, user_id) == 160);
static_assert(offsetof(FileHeader, counters) == 256);
static_assert(sizeof(CallbackRecord) == 576);
static_assert(offsetof(CallbackRecord, callback_id) == 16);
static_assert(offsetof(CallbackRecord, counters) == 128);

inline constexpr std::size_t FileSize(std::uint32_t capacity) {
  return sizeof(FileHeader) + std::size_t{capacity} * sizeof(CallbackRecord);
}

}  // namespace evbus::metrics_layout

#endif  // EVBUS_STREAM_METRICS_LAYOUT_H_
