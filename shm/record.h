// The value types that cross the ring API: a record's metadata (what lives
// in its IndexEntry beside the body) and what a subscriber's read returns.
#ifndef EVBUS_SHM_RECORD_H_
#define EVBUS_SHM_RECORD_H_

#include <cstdint>
#include <string_view>

namespace evbus::shm {

// Metadata stored in the index entry, so filters never touch the body.
struct RecordMeta {
  std::int64_t timestamp_ns = 0;
  std::int64_t cause = -1;  // -1 = none
  std::uint16_t type = 0;   // the event's type tag
  std::uint8_t source = 0;  // agent / user / environment
  std::uint8_t flags = 0;   // bit 0: hidden
};

enum class ReadStatus {
  kRecord,     // *record holds record `id`
  kEmpty,      // nothing new (or the next record is still being written)
  kGap,        // ids [gap_first, gap_last] were overwritten before being read
  kAbandoned,  // record `id` was abandoned by its producer (dead or timed out)
  kCorrupt,    // record `id` failed its CRC without being overwritten; skipped
};

struct Record {
  std::uint64_t id = 0;
  RecordMeta meta;
  std::string_view body;  // valid until the next read on the same Subscriber
  std::uint64_t gap_first = 0;
  std::uint64_t gap_last = 0;
  std::uint16_t producer_slot = 0;
  // kAbandoned: the pid of the producer that claimed the id and never
  // committed it (it died, or stalled past the abandon timeout); 0 = not known.
  std::int32_t abandoned_by_pid = 0;
};

}  // namespace evbus::shm

#endif  // EVBUS_SHM_RECORD_H_
