// The members of an OpenHands event's root object that evbus::Event has a
// field for, by key: ParseEvent's handler and the Python package's dict path
// (python/src/py_event.cc) both sort an event's keys with it.
//
// Thread safety: pure functions.
#ifndef EVBUS_CORE_EVENT_MEMBER_H_
#define EVBUS_CORE_EVENT_MEMBER_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

namespace evbus {

enum class EventMember : std::uint8_t {
  kId,
  kTimestamp,
  kSource,
  kMessage,
  kCause,
  kAction,
  kObservation,
  kToolCallMetadata,
  kLlmMetrics,
  kArgs,
  kTimeout,
  kContent,
  kExtras,
  kSuccess,
  kUnknown,  // any other key, a top-level "hidden" included (OpenHands ignores it)
};

inline EventMember EventMemberFromKey(std::string_view key) {
  static constexpr std::array<std::pair<std::string_view, EventMember>, 14> kMembers = {{
      {"id", EventMember::kId},
      {"timestamp", EventMember::kTimestamp},
      {"source", EventMember::kSource},
      {"message", EventMember::kMessage},
      {"cause", EventMember::kCause},
      {"action", EventMember::kAction},
      {"observation", EventMember::kObservation},
      {"tool_call_metadata", EventMember::kToolCallMetadata},
      {"llm_metrics", EventMember::kLlmMetrics},
      {"args", EventMember::kArgs},
      {"timeout", EventMember::kTimeout},
      {"content", EventMember::kContent},
      {"extras", EventMember::kExtras},
      {"success", EventMember::kSuccess},
  }};
  for (const auto& [name, member] : kMembers) {
    if (name == key) return member;
  }
  return EventMember::kUnknown;
}

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_MEMBER_H_
