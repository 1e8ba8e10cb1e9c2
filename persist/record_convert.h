// Conversions into a page record's metadata: from an Event (imports, tests)
// and from a ring record (the persister). Both keep "no timestamp" and "no
// cause" distinct from any real value.
//
// Thread safety: pure functions.
#ifndef EVBUS_PERSIST_RECORD_CONVERT_H_
#define EVBUS_PERSIST_RECORD_CONVERT_H_

#include <cstdint>

#include "core/event.h"
#include "persist/page_format.h"
#include "shm/record.h"

namespace evbus::persist {

// The record metadata of `event` stored under `id` (event.id is not read).
RecordMeta RecordMetaFromEvent(std::uint64_t id, const Event& event) noexcept;

// The record metadata of ring record `id` (core's encoding of shm::RecordMeta).
RecordMeta RecordMetaFromRing(std::uint64_t id, const shm::RecordMeta& ring) noexcept;

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_RECORD_CONVERT_H_
