// Event sources and the event writer (EventToJson / AppendEventJson).
//
// The writer produces the object OpenHands' event_to_dict produces, keys in
// its order (reference section 1.2), with compact separators and UTF-8 text:
//   id, timestamp, source, message, cause, action|observation,
//   tool_call_metadata, llm_metrics, args, timeout   (actions)
//                                    content, extras, success (observations)
// followed by the unknown top-level keys read by ParseEvent, in their order.
// Nested parts (args, extras, ...) are copied as the JSON text they hold.
// ParseEvent lives in core/event_parse.cc.
#include "core/event.h"

#include <cassert>

#include "core/json_text_writer.h"
#include "core/timestamp.h"

namespace evbus {
namespace {

bool WriteKey(JsonTextWriter& w, std::string_view key) {
  return w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

bool WriteString(JsonTextWriter& w, std::string_view text) {
  return w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

// A nested value held as JSON text; empty text means the key is absent.
void WriteRawMember(JsonTextWriter& w, std::string_view key, std::string_view json) {
  if (json.empty()) return;
  WriteKey(w, key);
  w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

void WriteKindSpecificMembers(JsonTextWriter& w, const Event& event) {
  if (event.is_action()) {
    WriteRawMember(w, "args", event.args_json);
    if (event.timeout) {
      WriteKey(w, "timeout");
      WritePythonFloat(w, *event.timeout);
    }
    return;
  }
  WriteKey(w, "content");
  WriteString(w, event.content);
  WriteRawMember(w, "extras", event.extras_json);
  if (event.success) {
    WriteKey(w, "success");
    w.Bool(*event.success);
  }
}

}  // namespace

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

void AppendEventJson(const Event& event, std::string* out) {
  assert(IsValidEventType(event.type) && "AppendEventJson: event.type is not a registered type");
  StringAppendStream stream(out);
  WriterStackBuffer stack;
  JsonTextWriter w(stream, &stack.allocator);
  w.StartObject();
  if (event.id >= 0) {
    WriteKey(w, "id");
    w.Int64(event.id);
  }
  if (event.timestamp_ns) {
    WriteKey(w, "timestamp");
    WriteString(w, FormatTimestamp(*event.timestamp_ns));
  }
  if (event.source != Source::kNone) {
    WriteKey(w, "source");
    WriteString(w, SourceName(event.source));
  }
  WriteKey(w, "message");
  WriteString(w, event.message);
  if (event.cause) {
    WriteKey(w, "cause");
    w.Int64(*event.cause);
  }
  WriteKey(w, EventKindName(event.kind()));
  WriteString(w, event.tag());
  WriteRawMember(w, "tool_call_metadata", event.tool_call_metadata_json);
  WriteRawMember(w, "llm_metrics", event.llm_metrics_json);
  WriteKindSpecificMembers(w, event);
  for (const auto& [key, json] : event.unknown_fields) {
    WriteKey(w, key);
    if (json.empty()) {
      w.Null();  // a caller-built field without text; keep the object valid
    } else {
      w.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    }
  }
  w.EndObject();
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
