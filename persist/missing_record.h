// Why an id has no event, in words: for `get_event` errors, `evbus get` and
// the persister's log. The reason and the producer's pid come from an
// abandoned record's `missing` field (persist/page_format.h).
//
// Thread safety: pure functions.
#ifndef EVBUS_PERSIST_MISSING_RECORD_H_
#define EVBUS_PERSIST_MISSING_RECORD_H_

#include <cstdint>
#include <string>

#include "persist/page_format.h"

namespace evbus::persist {

// "abandoned by producer pid 4242 (it died, or stalled past the abandon
// timeout, between claiming the id and committing it)", "overwritten in the
// ring before the persister stored it", ...: completes "id N was ..." and
// "ids N..M were ...".
std::string MissingCause(MissingReason reason, std::int32_t producer_pid);

// "event 7 is missing: it was abandoned by producer pid 4242 (...)".
std::string DescribeMissingEvent(std::uint64_t id, const RecordMeta& meta);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_MISSING_RECORD_H_
