// The raw-ring baseline of `evbus bench ipc`: the simplest correct
// single-producer single-consumer ring of fixed-size slots in shared memory
// (no ids, no index, no CRC, no subscribers' registry). It is the ceiling
// the ring's throughput is compared with.
//
//   +---------------------+ 0
//   | head (producer)     |  next slot to write, 8 B, own line
//   +---------------------+ 64
//   | tail (consumer)     |  next slot to read, 8 B, own line
//   +---------------------+ 128
//   | slots               |  slots x slot_size bytes
//   +---------------------+
//
// Thread safety: one producer and one consumer, each in its own process,
// each with its own RawRing view of the same memory.
// Invariants:
//   1. 0 <= head - tail <= slots: the producer never overwrites a slot the
//      consumer has not released, the consumer never reads an unwritten one.
//   2. A slot's bytes are written before head passes it (release) and read
//      before tail passes it (release).
#ifndef EVBUS_TOOLS_EVBUS_BENCH_IPC_RAW_RING_H_
#define EVBUS_TOOLS_EVBUS_BENCH_IPC_RAW_RING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace evbus::cli {

struct RawRingHeader {
  alignas(64) std::atomic<std::uint64_t> head;
  alignas(64) std::atomic<std::uint64_t> tail;
};
static_assert(sizeof(RawRingHeader) == 128);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

class RawRing {
 public:
  // `memory` holds BytesFor(slots, slot_size) zeroed bytes; slots is a power of two.
  RawRing(void* memory, std::uint64_t slots, std::size_t slot_size)
      : header_(static_cast<RawRingHeader*>(memory)),
        slots_(static_cast<char*>(memory) + sizeof(RawRingHeader)),
        mask_(slots - 1),
        slot_size_(slot_size) {}

  static std::size_t BytesFor(std::uint64_t slots, std::size_t slot_size) {
    return sizeof(RawRingHeader) + slots * slot_size;
  }

  // Producer only: copies slot_size bytes from `message`; false if full.
  bool try_push(const void* message) noexcept {
    const std::uint64_t head = header_->head.load(std::memory_order_relaxed);
    if (head - tail_cache_ > mask_) {
      // SYNC POINT READ: raw_ring.tail (the consumer is done with the slot)
      tail_cache_ = header_->tail.load(std::memory_order_acquire);
      if (head - tail_cache_ > mask_) return false;
    }
    std::memcpy(slots_ + (head & mask_) * slot_size_, message, slot_size_);
    // SYNC POINT WRITE: raw_ring.head (the slot's bytes are visible)
    header_->head.store(head + 1, std::memory_order_release);
    return true;
  }

  // Consumer only: copies the oldest message to `out`; false if empty.
  bool try_pop(void* out) noexcept {
    const std::uint64_t tail = header_->tail.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      // SYNC POINT READ: raw_ring.head (the slot's bytes are visible)
      head_cache_ = header_->head.load(std::memory_order_acquire);
      if (tail == head_cache_) return false;
    }
    std::memcpy(out, slots_ + (tail & mask_) * slot_size_, slot_size_);
    // SYNC POINT WRITE: raw_ring.tail (the slot may be overwritten)
    header_->tail.store(tail + 1, std::memory_order_release);
    return true;
  }

 private:
  RawRingHeader* header_;
  char* slots_;
  std::uint64_t mask_;
  std::size_t slot_size_;
  std::uint64_t tail_cache_ = 0;  // producer's copy of tail
  std::uint64_t head_cache_ = 0;  // consumer's copy of head
};

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_BENCH_IPC_RAW_RING_H_
