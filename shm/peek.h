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
//   2. kRecord means: committed as `id`, not lapped after the copy, CRC ok.
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
PeekStatus PeekRecord(const Segment& segment, std::uint64_t id, Record* record,
                      std::vector<char>* buffer);

}  // namespace evbus::shm

#endif  // EVBUS_SHM_PEEK_H_
