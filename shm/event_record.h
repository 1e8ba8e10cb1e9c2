// The bridge between an Event and a ring record: the metadata an event
// carries into its index entry (so that filters never read the body), and
// back.
#ifndef EVBUS_SHM_EVENT_RECORD_H_
#define EVBUS_SHM_EVENT_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "core/event.h"
#include "core/event_meta.h"
#include "shm/record.h"

namespace evbus {

inline constexpr std::uint8_t kRecordFlagHidden = 1u << 0;
inline constexpr std::uint8_t kKnownRecordFlags = kRecordFlagHidden;
// An event without a timestamp (only possible for imported events): the
// record's timestamp field holds this.
inline constexpr std::int64_t kNoTimestamp = INT64_MIN;

// The record metadata of `event` (its id is assigned by the ring).
shm::RecordMeta RecordMetaFor(const Event& event) noexcept;

// The event metadata of ring record `id`, checked: a registered type, one
// of Source's values, no flag but kRecordFlagHidden. PublishEvent writes no
// other, so anything else comes from a broken or newer producer or from
// damage under a valid checksum: Corruption naming the id, the field and its
// value. A reader skips such a record and reports it the way it reports one
// that failed its checksum; nothing past this check indexes by the values.
Result<EventMeta> EventMetaFromRecord(std::uint64_t id, const shm::RecordMeta& meta);

// A ring record's body is the event's JSON without "id" (ids are assigned by
// the claim, after the body is built): "{\"timestamp\":...}". These give the
// full OpenHands JSON back: "{\"id\":42,\"timestamp\":...}".
void AppendEventJsonWithId(std::uint64_t id, std::string_view body, std::string* out);
std::string EventJsonWithId(std::uint64_t id, std::string_view body);

}  // namespace evbus

#endif  // EVBUS_SHM_EVENT_RECORD_H_
