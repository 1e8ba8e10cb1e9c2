// The bridge between an Event and a ring record: the metadata an event
// carries into its index entry (so that filters never read the body), and
// back.
#ifndef EVBUS_SHM_EVENT_RECORD_H_
#define EVBUS_SHM_EVENT_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/event.h"
#include "core/event_meta.h"
#include "shm/record.h"

namespace evbus {

inline constexpr std::uint8_t kRecordFlagHidden = 1u << 0;
// An event without a timestamp (only possible for imported events): the
// record's timestamp field holds this.
inline constexpr std::int64_t kNoTimestamp = INT64_MIN;

// The record metadata of `event` (its id is assigned by the ring).
shm::RecordMeta RecordMetaFor(const Event& event) noexcept;

// The event metadata of ring record `id`.
EventMeta EventMetaFromRecord(std::uint64_t id, const shm::RecordMeta& meta) noexcept;

// A ring record's body is the event's JSON without "id" (ids are assigned by
// the claim, after the body is built): "{\"timestamp\":...}". These give the
// full OpenHands JSON back: "{\"id\":42,\"timestamp\":...}".
void AppendEventJsonWithId(std::uint64_t id, std::string_view body, std::string* out);
std::string EventJsonWithId(std::uint64_t id, std::string_view body);

}  // namespace evbus

#endif  // EVBUS_SHM_EVENT_RECORD_H_
