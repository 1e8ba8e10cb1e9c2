// PeekRecord: copies one record out of a segment without a subscriber slot
// and without writing a byte: what the inspector uses on a read-only
// mapping (Segment::OpenReadOnly) to show the last few events.
//
// Thread safety: any thread of any process; producers may be overwriting
// the ring meanwhile. The copy is validated seqlock-style like a
// subscriber's read (docs/shm_layout.md, "Read"), so a record is returned
// only if it is exactly what its producer committed.
// Invariants:
//   1. Nothing in the segment is written (no cursor, no abandon CAS).
//   2. kRecord means: committed as `id`, not lapped after the copy, record
//      check ok.
#ifndef EVBUS_SHM_PEEK_H_
#define EVBUS_SHM_PEEK_H_

#include <cstdint>
#include <vector>

#include "shm/record.h"
#include "shm/segment.h"

namespace evbus::shm {

enum class PeekStatus {
  kRecord,       // *record holds record `id` (body points into *buffer)
  kAbandoned,    // its producer died or timed out before committing
  kUncommitted,  // not committed yet (claimed, or never handed out)
  kOverwritten,  // a later lap reused its entry or bytes
  kCorrupt,      // committed and intact in position, but the CRC fails
};

// `buffer` is resized to the body length. Reads `id` as the ring holds it now.
// kAbandoned also sets record->id and record->abandoned_by_pid.
PeekStatus PeekRecord(const Segment& segment, std::uint64_t id, Record* record,
                      std::vector<char>* buffer);

// Ids abandoned by their producer, `first`..`last`, all by `producer_pid`
// (0 = not known).
struct AbandonedRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::int32_t producer_pid = 0;
};

// The abandoned ids among the newest index_slots ids the ring handed out,
// newest first, runs of consecutive ids of one pid merged into one range; at
// most `max_ranges` ranges. Writes nothing.
std::vector<AbandonedRange> RecentAbandoned(const Segment& segment, std::size_t max_ranges);

}  // namespace evbus::shm

#endif  // EVBUS_SHM_PEEK_H_
