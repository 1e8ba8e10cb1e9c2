// Event: one OpenHands action or observation, as evbus carries it.
//
// Metadata that filters and record headers need (id, timestamp, source,
// cause, type, hidden) is typed. The body parts OpenHands keeps as nested
// JSON (args, extras, tool_call_metadata, llm_metrics, unknown top-level
// keys) are kept as JSON text, exactly as given, so nothing is lost and a
// producer can serialize an event without building a DOM.
//
// A plain value type: copyable, no pointers into other objects, easy to bind.
#ifndef EVBUS_CORE_EVENT_H_
#define EVBUS_CORE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "core/event_types.h"

namespace evbus {

enum class Source : std::uint8_t { kNone = 0, kAgent = 1, kUser = 2, kEnvironment = 3 };

// True for the four values of Source. A Source read from shared memory, a
// page or cast from a caller's integer may hold any of 256.
inline bool IsValidSource(Source source) {
  return static_cast<std::uint8_t>(source) <= static_cast<std::uint8_t>(Source::kEnvironment);
}
// "agent" / "user" / "environment"; "" for kNone and for an invalid value.
std::string_view SourceName(Source source);
// Exact, case-sensitive, as OpenHands' EventSource(value). Unknown: InvalidArgument.
Result<Source> ParseSource(std::string_view name);

struct Event {
  static constexpr std::int64_t kInvalidId = -1;

  std::int64_t id = kInvalidId;              // omitted from JSON when kInvalidId
  std::optional<std::int64_t> timestamp_ns;  // ns since the Unix epoch; omitted when unset
  Source source = Source::kNone;             // omitted when kNone
  std::optional<std::int64_t> cause;         // omitted when unset
  std::string message;                       // always written (may be "")
  EventTypeId type = kInvalidEventType;      // gives kind and tag
  std::string tool_call_metadata_json;       // JSON text; empty = absent
  std::string llm_metrics_json;              // JSON text; empty = absent
  // Actions: "args" object (JSON text; empty = absent) and top-level "timeout".
  std::string args_json;
  std::optional<double> timeout;
  // Observations: "content" (plain text), "extras" object (JSON text) and "success".
  std::string content;
  std::string extras_json;
  std::optional<bool> success;
  // args.hidden / extras.hidden, read when parsing; kept in sync by the writer
  // of args_json / extras_json. Filters read this, never the JSON.
  bool hidden = false;
  // Top-level keys OpenHands' writer does not produce, kept in order as
  // (key, JSON text) so that nothing read is lost on the way out.
  std::vector<std::pair<std::string, std::string>> unknown_fields;

  // Meaningful for a registered type only (ValidateEvent); an unregistered
  // one gives "" (see GetEventType), never undefined behaviour.
  EventKind kind() const { return GetEventType(type).kind; }
  bool is_action() const { return kind() == EventKind::kAction; }
  std::string_view tag() const { return GetEventType(type).tag; }
  std::string_view class_name() const { return GetEventType(type).class_name; }
};

// JSON in and out (rapidjson). Output key order is OpenHands':
//   id, timestamp, source, message, cause, action|observation,
//   tool_call_metadata, llm_metrics, then args, timeout (actions)
//   or content, extras, success (observations), then unknown keys.
// Text is UTF-8; non-ASCII is written as UTF-8, not \u-escaped as Python's
// json.dumps does (see docs/compat.md); \u escapes are read. Separators are
// compact; floats are written as Python writes them ("timeout":120.0) and
// nested integers stay integers. Apart from separators and \u escapes, the
// output is byte for byte what OpenHands' event_to_dict + json.dumps give.
//
// ParseEvent: "action" present -> action, else "observation" -> observation,
// else an error. null counts as absent for id, timestamp, source, cause,
// timeout, success, tool_call_metadata and llm_metrics. Fields of the other
// kind (e.g. "content" on an action) and a top-level "hidden" are kept as
// unknown fields, since OpenHands ignores them. The input must be valid
// UTF-8. Errors are InvalidArgument naming the field and the byte offset of
// its value: "field \"args\" at offset 57: expected an object, got a string".
//
// ValidateEvent: OK when the event can be written: its type is registered
// and its source is one of Source's values (ParseEvent gives only such
// events). Otherwise InvalidArgument naming the value and what to use.
//
// AppendEventJson appends (no clear) the JSON of a valid event, id written
// when >= 0; for an invalid one it appends nothing and returns what
// ValidateEvent says. EventToJson gives "" (which is not JSON) for an
// invalid event: a caller that takes events from outside checks them first.
Result<Event> ParseEvent(std::string_view json);
Status ValidateEvent(const Event& event);
Status ValidateEventFields(EventTypeId type, Source source);  // the same checks
std::string EventToJson(const Event& event);
Status AppendEventJson(const Event& event, std::string* out);

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_H_
