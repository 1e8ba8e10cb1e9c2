#include "core/event_parse_handler.h"

#include <limits>
#include <utility>

#include "core/json_number.h"
#include "core/timestamp.h"

namespace evbus {

EventParseHandler::EventParseHandler(std::string_view json, const char* insitu, Event* event,
                                     ParsedParts* parts)
    : json_(json), insitu_(insitu), event_(event), parts_(parts) {}

std::string EventParseHandler::Describe(const Value& value) {
  switch (value.type) {
    case JsonType::kNull:
      return "null";
    case JsonType::kBool:
      return value.boolean ? "true" : "false";
    case JsonType::kInteger:
      return value.too_big ? "an integer above 2^63-1" : std::to_string(value.integer);
    case JsonType::kNumber: {
      std::string text;
      AppendPythonFloat(value.number, &text);
      return text;
    }
    case JsonType::kString:
      return "a string";
    case JsonType::kObject:
      return "an object";
    case JsonType::kArray:
      return "an array";
  }
  return "a value";
}

// `key` is where the reader decoded a key in place: just after its opening
// quote. In the original text the key runs to the first unescaped quote; the
// value starts after optional whitespace, the ':' and more whitespace.
std::size_t EventParseHandler::ValueOffsetAfterKey(const char* key) const {
  std::size_t pos = static_cast<std::size_t>(key - insitu_);
  while (pos < json_.size() && json_[pos] != '"') pos += json_[pos] == '\\' ? 2 : 1;
  ++pos;  // the closing quote
  const auto skip_space = [&] {
    while (pos < json_.size() &&
           (json_[pos] == ' ' || json_[pos] == '\t' || json_[pos] == '\n' || json_[pos] == '\r')) {
      ++pos;
    }
  };
  skip_space();
  if (pos < json_.size() && json_[pos] == ':') ++pos;
  skip_space();
  return pos;
}

// ---- SAX events ------------------------------------------------------------

bool EventParseHandler::Null() {
  Value v;
  if (CaptureNext()) {
    if (!CheckHidden(v)) return false;
    writer_.Null();
    return AfterCapturedScalar();
  }
  return Top(v);
}

bool EventParseHandler::Bool(bool b) {
  Value v = Value::Of(JsonType::kBool);
  v.boolean = b;
  if (CaptureNext()) {
    if (!CheckHidden(v)) return false;
    writer_.Bool(b);
    return AfterCapturedScalar();
  }
  return Top(v);
}

bool EventParseHandler::Int64(std::int64_t i) {
  Value v = Value::Of(JsonType::kInteger);
  v.integer = i;
  if (CaptureNext()) {
    if (!CheckHidden(v)) return false;
    writer_.Int64(i);
    return AfterCapturedScalar();
  }
  return Top(v);
}

bool EventParseHandler::Uint64(std::uint64_t u) {
  if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return Int64(static_cast<std::int64_t>(u));
  }
  Value v = Value::Of(JsonType::kInteger);
  v.too_big = true;
  if (CaptureNext()) {
    if (!CheckHidden(v)) return false;
    writer_.Uint64(u);
    return AfterCapturedScalar();
  }
  return Top(v);
}

bool EventParseHandler::Double(double d) {
  Value v = Value::Of(JsonType::kNumber);
  v.number = d;
  if (CaptureNext()) {
    if (!CheckHidden(v)) return false;
    writer_.Double(d);
    return AfterCapturedScalar();
  }
  return Top(v);
}

bool EventParseHandler::RawNumber(const char* str, rapidjson::SizeType length, bool /*copy*/) {
  const JsonNumber n = ParseJsonNumber(std::string_view(str, length));
  switch (n.kind) {
    case JsonNumber::Kind::kInt64:
      return Int64(n.int64);
    case JsonNumber::Kind::kUint64:
      return Uint64(n.uint64);
    case JsonNumber::Kind::kDouble:
      break;
  }
  return Double(n.number);
}

bool EventParseHandler::String(const char* str, rapidjson::SizeType length, bool /*copy*/) {
  Value v = Value::Of(JsonType::kString);
  v.text = std::string_view(str, length);
  if (CaptureNext()) {
    if (!CheckHidden(v)) return false;
    writer_.String(v.text);
    return AfterCapturedScalar();
  }
  return Top(v);
}

bool EventParseHandler::StartObject() {
  if (depth_ == 0) {
    depth_ = 1;
    parts_->root_offset = json_.find('{');  // the first thing in the text
    return true;
  }
  if (CaptureNext()) {
    if (!CheckHidden(Value::Of(JsonType::kObject))) return false;
    ++capture_nesting_;
    writer_.Open('{');
    return true;
  }
  return TopContainer(/*is_object=*/true);
}

bool EventParseHandler::Key(const char* str, rapidjson::SizeType length, bool /*copy*/) {
  if (capturing_) {
    if (capture_nesting_ == 1 && hidden_target_ != nullptr &&
        std::string_view(str, length) == "hidden") {
      hidden_next_ = true;
      hidden_offset_ = ValueOffsetAfterKey(str);
    }
    writer_.Key(std::string_view(str, length));
    return true;
  }
  key_ = std::string_view(str, length);
  field_ = EventMemberFromKey(key_);
  ++member_order_;
  return true;
}

bool EventParseHandler::EndObject(rapidjson::SizeType /*member_count*/) {
  if (!capturing_) {  // the root object ends
    depth_ = 2;
    return true;
  }
  return AfterCapturedClose('}');
}

bool EventParseHandler::StartArray() {
  if (depth_ == 0) return NotAnObject("an array");
  if (CaptureNext()) {
    if (!CheckHidden(Value::Of(JsonType::kArray))) return false;
    ++capture_nesting_;
    writer_.Open('[');
    return true;
  }
  return TopContainer(/*is_object=*/false);
}

bool EventParseHandler::EndArray(rapidjson::SizeType /*element_count*/) {
  return AfterCapturedClose(']');
}

// ---- capturing -------------------------------------------------------------

bool EventParseHandler::CaptureNext() {
  if (!capturing_ && depth_ == 1 && field_ == Field::kUnknown) {
    event_->unknown_fields.emplace_back(std::string(key_), std::string());
    parts_->unknown_order.push_back(member_order_);
    BeginCapture(&event_->unknown_fields.back().second, nullptr, "");
  }
  return capturing_;
}

void EventParseHandler::BeginCapture(std::string* target, bool* hidden, const char* hidden_field) {
  target->clear();
  writer_.Begin(target);
  capturing_ = true;
  capture_nesting_ = 0;
  hidden_target_ = hidden;
  hidden_field_ = hidden_field;
  hidden_next_ = false;
  if (hidden != nullptr) *hidden = false;
}

// Called with every captured value; acts on the one that follows "hidden".
bool EventParseHandler::CheckHidden(const Value& value) {
  if (!hidden_next_) return true;
  hidden_next_ = false;
  if (value.type == JsonType::kBool || value.type == JsonType::kNull) {
    *hidden_target_ = value.boolean;
    return true;
  }
  return FieldError(hidden_field_, hidden_offset_,
                    "expected a boolean (or null), got " + Describe(value));
}

bool EventParseHandler::AfterCapturedScalar() {
  if (capture_nesting_ == 0) {  // the member was this one scalar
    capturing_ = false;
    writer_.End();
  }
  return true;
}

bool EventParseHandler::AfterCapturedClose(char bracket) {
  writer_.Close(bracket);
  if (--capture_nesting_ == 0) {
    capturing_ = false;
    writer_.End();
  }
  return true;
}

// ---- errors ----------------------------------------------------------------

bool EventParseHandler::NotAnObject(std::string_view got) {
  std::size_t offset = 0;
  while (offset < json_.size() && (json_[offset] == ' ' || json_[offset] == '\t' ||
                                   json_[offset] == '\n' || json_[offset] == '\r')) {
    ++offset;
  }
  error_ = "expected a JSON object (one OpenHands event) at offset " + std::to_string(offset) +
           ", got " + std::string(got);
  return false;
}

bool EventParseHandler::Expected(std::string_view expected, const Value& got) {
  return FieldError(key_, ValueOffset(),
                    "expected " + std::string(expected) + ", got " + Describe(got));
}

bool EventParseHandler::FieldError(std::string_view field, std::size_t offset,
                                   std::string_view message) {
  error_ = "field \"" + std::string(field) + "\" at offset " + std::to_string(offset) + ": " +
           std::string(message);
  return false;
}

}  // namespace evbus
