// The registry of OpenHands event classes: every action and observation that
// OpenHands can deserialize, with its JSON tag and class name, plus the bases
// (`Event`, `Action`, `Observation`) that type filters may name.
//
// A type is a small integer (EventTypeId) so that a record header can carry
// it and a filter can test it without parsing JSON.
#ifndef EVBUS_CORE_EVENT_TYPES_H_
#define EVBUS_CORE_EVENT_TYPES_H_

#include <bitset>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/status.h"

namespace evbus {

enum class EventKind : std::uint8_t { kAction = 0, kObservation = 1 };

using EventTypeId = std::uint16_t;
inline constexpr EventTypeId kInvalidEventType = 0xFFFF;
inline constexpr std::size_t kMaxEventTypes = 64;  // registry size bound (bitset width)

struct EventTypeInfo {
  EventTypeId id;
  EventKind kind;
  std::string_view tag;         // "run" (value of "action" / "observation")
  std::string_view class_name;  // "CmdRunAction"
};

// "action" / "observation": the JSON key that carries the tag.
std::string_view EventKindName(EventKind kind);

// All registered concrete types, ids dense from 0. Ids are stable forever
// (they are stored in shared memory and on disk): the table is append-only,
// see core/event_types.cc.
std::span<const EventTypeInfo> AllEventTypes();
// The entry of `id`. Any id may be asked, whatever its origin (a record
// header, a page, a caller): an unregistered one gives an entry with id
// kInvalidEventType and an empty tag and class name (its kind means nothing),
// never a read past the table. Test IsValidEventType first to tell.
const EventTypeInfo& GetEventType(EventTypeId id);
// True when `id` names a registered type (e.g. read from a record header).
bool IsValidEventType(EventTypeId id);

// Tag lookup within a kind: ("run", kAction) -> CmdRunAction.
// Unknown: InvalidArgument naming the tag and listing what is accepted.
Result<EventTypeId> EventTypeFromTag(EventKind kind, std::string_view tag);

// A set of concrete types, as a type filter uses it.
using EventTypeSet = std::bitset<kMaxEventTypes>;

// Class name to the set of concrete types it covers: "CmdRunAction" -> {it},
// "Action" -> every action, "Observation" -> every observation, "Event" -> all.
// Unknown: InvalidArgument naming the class and what to use instead.
Result<EventTypeSet> EventTypesForClass(std::string_view class_name);

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_TYPES_H_
