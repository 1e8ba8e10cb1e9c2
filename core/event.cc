// Event sources and EventToJson. The writer itself (AppendEventJson) is in
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
  out.reserve(estimate + estimate / 16);  // room for escapes
  AppendEventJson(event, &out);
  return out;
}

}  // namespace evbus
