// The members of an OpenHands event's root object that evbus::Event has a
// field for, by key: ParseEvent's handler and the Python package's dict path
// (python/src/py_event.cc) both sort an event's keys with it.
//
// Thread safety: pure functions.
#ifndef EVBUS_CORE_EVENT_MEMBER_H_
#define EVBUS_CORE_EVENT_MEMBER_H_

#include <cstdint>
#include <string_view>

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

// One length test and at most three comparisons per key (a key is looked up
// for every member of every event).
inline EventMember EventMemberFromKey(std::string_view key) {
  using M = EventMember;
  const auto is = [&](std::string_view name, M member) {
    return key == name ? member : M::kUnknown;
  };
  switch (key.size()) {
    case 2:
      return is("id", M::kId);
    case 4:
      return is("args", M::kArgs);
    case 5:
      return is("cause", M::kCause);
    case 6:
      if (key[0] == 's') return is("source", M::kSource);
      return key[0] == 'a' ? is("action", M::kAction) : is("extras", M::kExtras);
    case 7:
      switch (key[0]) {
        case 'm':
          return is("message", M::kMessage);
        case 't':
          return is("timeout", M::kTimeout);
        case 'c':
          return is("content", M::kContent);
        case 's':
          return is("success", M::kSuccess);
        default:
          return M::kUnknown;
      }
    case 9:
      return is("timestamp", M::kTimestamp);
    case 11:
      return key[0] == 'o' ? is("observation", M::kObservation) : is("llm_metrics", M::kLlmMetrics);
    case 18:
      return is("tool_call_metadata", M::kToolCallMetadata);
    default:
      return M::kUnknown;
  }
}

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_MEMBER_H_
