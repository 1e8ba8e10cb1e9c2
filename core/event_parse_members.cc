// The rules for each member of an event's root object: which JSON types it
// accepts and where its value goes (EventParseHandler::Top / TopContainer).
//
// null is accepted wherever OpenHands treats None as "unset" (id, timestamp,
// source, cause, timeout, success, tool_call_metadata, llm_metrics); message,
// content, args and extras must have their own type.
#include "core/event_parse_handler.h"
#include "core/timestamp.h"

namespace evbus {

bool EventParseHandler::Top(const Value& v) {
  if (depth_ == 0) return NotAnObject(Describe(v));
  const bool is_null = v.type == JsonType::kNull;
  const bool is_integer = v.type == JsonType::kInteger && !v.too_big;
  switch (field_) {
    case Field::kId:
      if (!is_null && !(is_integer && v.integer >= 0)) {
        return Expected("a non-negative integer (or null)", v);
      }
      event_->id = is_null ? Event::kInvalidId : v.integer;
      return true;
    case Field::kTimestamp:
      return TopTimestamp(v);
    case Field::kSource:
      return TopSource(v);
    case Field::kMessage:
      if (v.type != JsonType::kString) return Expected("a string", v);
      event_->message.assign(v.text);
      return true;
    case Field::kCause:
      if (!is_null && !is_integer) return Expected("an integer (the id of the cause) or null", v);
      event_->cause = is_null ? std::nullopt : std::optional<std::int64_t>(v.integer);
      return true;
    case Field::kAction:
    case Field::kObservation:
      return TopTag(v);
    case Field::kToolCallMetadata:
    case Field::kLlmMetrics:
      if (!is_null) return Expected("an object or null", v);
      (field_ == Field::kLlmMetrics ? event_->llm_metrics_json : event_->tool_call_metadata_json)
          .clear();
      return true;
    case Field::kArgs:
    case Field::kExtras:
      return Expected("an object", v);
    case Field::kTimeout:
      return TopTimeout(v);
    case Field::kContent:
      if (v.type != JsonType::kString) return Expected("a string", v);
      event_->content.assign(v.text);
      parts_->content_order = member_order_;
      return true;
    case Field::kSuccess:
      return TopSuccess(v);
    case Field::kUnknown:
      break;  // captured before Top is reached
  }
  return FieldError(key_, ValueOffset(), "internal error: unknown member not captured");
}

bool EventParseHandler::TopTimestamp(const Value& v) {
  if (v.type == JsonType::kNull) {
    event_->timestamp_ns.reset();
    return true;
  }
  if (v.type != JsonType::kString) return Expected("an ISO 8601 date-time string", v);
  auto ns = ParseTimestamp(v.text);
  if (!ns.ok()) return FieldError(key_, ValueOffset(), ns.status().message());
  event_->timestamp_ns = ns.value();
  return true;
}

bool EventParseHandler::TopSource(const Value& v) {
  if (v.type == JsonType::kNull) {
    event_->source = Source::kNone;
    return true;
  }
  if (v.type != JsonType::kString) return Expected("\"agent\", \"user\" or \"environment\"", v);
  auto source = ParseSource(v.text);
  if (!source.ok()) return FieldError(key_, ValueOffset(), source.status().message());
  event_->source = source.value();
  return true;
}

bool EventParseHandler::TopTag(const Value& v) {
  const bool action = field_ == Field::kAction;
  if (v.type != JsonType::kString) return Expected("a string (the tag, e.g. \"run\")", v);
  (action ? parts_->action_tag : parts_->observation_tag).assign(v.text);
  (action ? parts_->action_offset : parts_->observation_offset) = ValueOffset();
  (action ? parts_->action_order : parts_->observation_order) = member_order_;
  return true;
}

bool EventParseHandler::TopTimeout(const Value& v) {
  if (v.type == JsonType::kNull) {
    event_->timeout.reset();
    return true;
  }
  if (v.type != JsonType::kInteger && v.type != JsonType::kNumber) {
    return Expected("a number of seconds (or null)", v);
  }
  event_->timeout = v.type == JsonType::kNumber ? v.number : static_cast<double>(v.integer);
  parts_->timeout_order = member_order_;
  return true;
}

bool EventParseHandler::TopSuccess(const Value& v) {
  if (v.type == JsonType::kNull) {
    event_->success.reset();
    return true;
  }
  if (v.type != JsonType::kBool) return Expected("a boolean (or null)", v);
  event_->success = v.boolean;
  parts_->success_order = member_order_;
  return true;
}

bool EventParseHandler::TopContainer(bool is_object) {
  const Value got = Value::Of(is_object ? JsonType::kObject : JsonType::kArray);
  std::string* target = nullptr;
  bool* hidden = nullptr;
  const char* hidden_field = "";
  switch (field_) {
    case Field::kArgs:
      target = &event_->args_json;
      hidden = &parts_->args_hidden;
      hidden_field = "args.hidden";
      parts_->args_order = member_order_;
      break;
    case Field::kExtras:
      target = &event_->extras_json;
      hidden = &parts_->extras_hidden;
      hidden_field = "extras.hidden";
      parts_->extras_order = member_order_;
      break;
    case Field::kToolCallMetadata:
      target = &event_->tool_call_metadata_json;
      break;
    case Field::kLlmMetrics:
      target = &event_->llm_metrics_json;
      break;
    default:
      return Top(got);  // a scalar member: Top names what it expected
  }
  if (!is_object) return Expected("an object", got);
  BeginCapture(target, hidden, hidden_field);
  ++capture_nesting_;
  writer_.Open('{');
  return true;
}

}  // namespace evbus
