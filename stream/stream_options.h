// EventStreamOptions: every knob of EventStream::Open in one struct, each
// with its default and what it means.
#ifndef EVBUS_STREAM_STREAM_OPTIONS_H_
#define EVBUS_STREAM_STREAM_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>

#include "shm/wait.h"

namespace evbus {

class Env;  // base/file_env.h

// What the dispatcher does when a callback's queue is full.
enum class FullQueuePolicy : std::uint8_t {
  // Lossless (default): the dispatcher does not wait; it notes the first id
  // the callback missed, and the callback's worker, once its queue is
  // drained, reads the missed range itself (ring, or store when overwritten)
  // before taking from its queue again. Nothing lost, nothing duplicated.
  kCatchUp,
  // The event is not delivered to that callback; counted as dropped.
  kDrop,
};

// How events reach the callbacks of one process.
enum class CallbackDispatch : std::uint8_t {
  // kDirect when wait_strategy spins. When it blocks: kDirect for the first
  // kAutoDirectCallbacks callbacks of the stream while the segment keeps at
  // least kAutoFreeReaderSlots subscriber slots free for other readers
  // (persister, bridges, other processes), kShared beyond that.
  kAuto,
  // One dispatcher thread reads the ring, parses each event once and
  // try-enqueues it on every callback's bounded queue (callback_queue_size).
  // Two hops (ring -> dispatcher -> worker); the cheapest with many callbacks.
  kShared,
  // Each callback's worker reads the ring itself with its own cursor (a
  // non-durable subscriber slot "cb.<pid>.<n>", of the segment's 64) and
  // parses what it reads: one hop, the lowest latency, and with spinning
  // waits one spinning thread per callback instead of two. The ring is its
  // queue: callback_queue_size bounds how far (in events) the callback may
  // lag behind the ring head before full_queue_policy applies (kCatchUp:
  // counted, nothing else changes, since the worker reads on from the ring
  // or, once overwritten, the store; kDrop: the events beyond the bound are
  // skipped and counted as dropped).
  kDirect,
};

// Makes one thread that runs `body`, as std::thread's constructor does, and
// may throw what it throws (std::system_error when the system has no thread
// to give).
using ThreadFactory = std::function<std::thread(std::function<void()> body)>;

struct EventStreamOptions {
  // OpenHands' user_id: "" = none. Selects the segment name
  // (evbus.<user>:<sid>) and the store directory (users/<uid>/conversations/<sid>).
  std::string user_id;
  // The file-store root the store lives under (OpenHands' file_store root).
  // "" = "$TMPDIR/evbus-store" (or /tmp/evbus-store).
  std::string store_root;
  // Create the segment (and the conversation directory) when missing;
  // false: NotFound unless the segment or the store exists.
  bool create_if_missing = true;
  // Ring data bytes (power of two) and largest event JSON kept inside the
  // ring, used only when this Open creates the segment. A larger event (up to
  // shm::kMaxEventBytes, 256 MiB less 64 KiB) goes to a body file beside the
  // ring (docs/shm_layout.md, section 13).
  std::uint64_t capacity = 64u << 20;
  std::uint32_t max_event_size = 1u << 20;
  std::uint32_t index_slots = 1u << 16;  // power of two; ring keeps at most this many events
  // How the dispatcher waits for events and workers wait for their queue
  // (or, with direct dispatch, for the ring):
  // kBusySpin / kSpinYield burn a core each for the lowest latency;
  // kBlocking (default) spins briefly, then sleeps (futex / semaphore).
  shm::WaitStrategy wait_strategy = shm::WaitStrategy::kBlocking;
  // Capacity of each callback's queue (events), and what happens when full.
  std::size_t callback_queue_size = 1024;
  FullQueuePolicy full_queue_policy = FullQueuePolicy::kCatchUp;
  // Shared dispatcher or one ring reader per callback; see CallbackDispatch.
  CallbackDispatch callback_dispatch = CallbackDispatch::kAuto;
  // add_event waits at most this long for a durable consumer (the persister)
  // to make room, then fails with BackPressured naming it.
  std::int64_t backpressure_timeout_ns = 1'000'000'000;
  // close() lets pending deliveries finish for at most this long; what is
  // still queued after it is discarded (and counted).
  std::int64_t close_timeout_ns = 2'000'000'000;
  // A catch-up read of ids the ring no longer holds waits this long for the
  // persister to make them readable before reporting them lost.
  std::int64_t history_wait_ns = 1'000'000'000;
  // Store pages kept in the LRU page cache (search_events, get_event).
  std::size_t page_cache_pages = 16;
  // Where log lines go (callback failures, unknown unsubscribe, lost ids);
  // unset: stderr.
  std::function<void(const std::string&)> log;
  // How the stream makes its threads (the dispatcher, one per callback,
  // the ring prefaulter); unset: std::thread. When it throws, the Subscribe
  // that needed the thread returns Busy and nothing of that subscription
  // remains; the prefaulter logs one line and publishes fault as they go.
  // For embedders that account for their threads, and for tests of thread
  // exhaustion.
  ThreadFactory thread_factory;
  // Populate the data ring in this process's page tables (what it holds,
  // then ahead of the producers' tail) on a thread of its own, started by
  // the first AddEvent or the first ring read of a callback, ended after one
  // lap (stream/ring_prefaulter.h): the first lap's page faults then stay
  // off add_event and the callbacks' reads. Pages are allocated at most
  // 1 MiB before a publish would allocate them. false: publishes and reads
  // take their faults.
  bool prefault_ring = true;
  // The file layer the stream's own files go through (its metrics file,
  // secrets file, and its segment when this stream creates it); it must
  // outlive the stream. Unset: the real file system.
  // For fault-injection tests.
  Env* env = nullptr;
};

// kAuto with blocking waits: how many callbacks of one stream get a ring
// reader of their own, and how many of the segment's 64 subscriber slots
// must stay free for that.
inline constexpr std::size_t kAutoDirectCallbacks = 4;
inline constexpr std::uint32_t kAutoFreeReaderSlots = 16;

// Whether the next callback of a stream gets its own ring reader, given
// `options`, how many of the stream's callbacks already have one, and how
// many subscriber slots of the segment are free.
inline bool UsesDirectDispatch(const EventStreamOptions& options, std::size_t direct_callbacks,
                               std::uint32_t free_reader_slots) {
  switch (options.callback_dispatch) {
    case CallbackDispatch::kDirect:
      return true;
    case CallbackDispatch::kShared:
      return false;
    case CallbackDispatch::kAuto:
      break;
  }
  if (options.wait_strategy != shm::WaitStrategy::kBlocking) return true;
  return direct_callbacks < kAutoDirectCallbacks && free_reader_slots >= kAutoFreeReaderSlots;
}

}  // namespace evbus

#endif  // EVBUS_STREAM_STREAM_OPTIONS_H_
