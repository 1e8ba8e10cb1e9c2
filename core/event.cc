// Event sources, ValidateEvent and EventToJson. The writer itself (AppendEventJson) is in
// core/event_json_writer.cc; ParseEvent lives in core/event_parse.cc.
#include "core/event.h"

namespace evbus {

std::string_view SourceName(Source source) {
  switch (source) {
    case Source::kAgent:
      return "agent";
    case Source::kUser:
      return "user";
    case Source::kEnvironment:
      return "environment";
    case Source::kNone:
      break;
  }
  return "";
}

Status ValidateEvent(const Event& event) { return ValidateEventFields(event.type, event.source); }

Status ValidateEventFields(EventTypeId type, Source source) {
  if (!IsValidEventType(type)) {
    return Status::InvalidArgument(
        "event type " + std::to_string(type) + " is not a registered event type (0.." +
        std::to_string(AllEventTypes().size() - 1) +
        "): set it from a tag with EventTypeFromTag, or build the event with ParseEvent "
        "(see evbus help types)");
  }
  if (!IsValidSource(source)) {
    return Status::InvalidArgument(
        "event source " + std::to_string(static_cast<unsigned>(source)) +
        " is not a Source: use Source::kAgent, kUser, kEnvironment or kNone, or ParseSource "
        "(\"agent\", \"user\", \"environment\")");
  }
  return Status::OK();
}

Result<Source> ParseSource(std::string_view name) {
  for (Source s : {Source::kAgent, Source::kUser, Source::kEnvironment}) {
    if (name == SourceName(s)) return s;
  }
  return Status::InvalidArgument("unknown event source \"" + std::string(name) +
                                 "\": use \"agent\", \"user\" or \"environment\" (lower case)");
}

std::string EventToJson(const Event& event) {
  std::string out;
  std::size_t estimate = 160 + event.message.size() + event.tool_call_metadata_json.size() +
                         event.llm_metrics_json.size() + event.args_json.size() +
                         event.content.size() + event.extras_json.size();
  for (const auto& [key, json] : event.unknown_fields) estimate += key.size() + json.size() + 4;
  out.reserve(estimate + estimate / 16);                         // room for escapes
  if (!AppendEventJson(event, &out).ok()) return std::string();  // nothing was appended
  return out;
}

}  // namespace evbus
