// EventParseHandler: the rapidjson SAX handler behind ParseEvent (internal to
// core/event_parse.cc; declared here to keep each file one concept).
//
// It sees the root object's members one by one. A metadata member (id,
// timestamp, source, message, cause, action, observation, timeout, content,
// success) is type-checked and stored in the Event; an object member (args,
// extras, tool_call_metadata, llm_metrics) and any unknown member is
// "captured": its SAX events are forwarded to a CaptureText that writes
// the value's compact JSON text into the Event. While capturing args/extras
// it also reads their direct member "hidden".
//
// Thread safety: one handler per parse, one thread.
#ifndef EVBUS_CORE_EVENT_PARSE_HANDLER_H_
#define EVBUS_CORE_EVENT_PARSE_HANDLER_H_

#include <rapidjson/rapidjson.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/event_member.h"
#include "core/event_parse_capture.h"

namespace evbus {

// What the handler learns besides the Event itself, for the final checks.
// *_order is the member's position in the root object (-1: absent).
struct ParsedParts {
  std::size_t root_offset = 0;
  std::string action_tag;
  std::string observation_tag;
  std::size_t action_offset = 0;
  std::size_t observation_offset = 0;
  int action_order = -1;
  int observation_order = -1;
  int args_order = -1;
  int timeout_order = -1;
  int content_order = -1;
  int extras_order = -1;
  int success_order = -1;
  bool args_hidden = false;
  bool extras_hidden = false;
  std::vector<int> unknown_order;  // parallel to Event::unknown_fields
};

class EventParseHandler {
 public:
  // `json` is the event text and `insitu` the start of the copy of it that
  // the reader parses in place: a key the reader hands over points into that
  // copy, which gives its offset; the value's offset is then found in `json`.
  EventParseHandler(std::string_view json, const char* insitu, Event* event, ParsedParts* parts);
  EventParseHandler(const EventParseHandler&) = delete;
  EventParseHandler& operator=(const EventParseHandler&) = delete;

  // The rapidjson SAX interface.
  bool Null();
  bool Bool(bool b);
  bool Int(int i) { return Int64(i); }
  bool Uint(unsigned u) { return Int64(u); }
  bool Int64(std::int64_t i);
  bool Uint64(std::uint64_t u);
  bool Double(double d);
  // Every number arrives here as its text (kParseNumbersAsStringsFlag) and
  // goes on to Int64, Uint64 or Double (core/json_number.h).
  bool RawNumber(const char* str, rapidjson::SizeType length, bool copy);
  bool String(const char* str, rapidjson::SizeType length, bool copy);
  bool StartObject();
  bool Key(const char* str, rapidjson::SizeType length, bool copy);
  bool EndObject(rapidjson::SizeType member_count);
  bool StartArray();
  bool EndArray(rapidjson::SizeType element_count);

  // After Parse: true when the handler stopped the parse, with this message.
  bool failed() const { return !error_.empty(); }
  std::string TakeError() { return std::move(error_); }

 private:
  using Field = EventMember;
  enum class JsonType : std::uint8_t { kNull, kBool, kInteger, kNumber, kString, kObject, kArray };
  // One scalar value as the SAX events give it.
  struct Value {
    JsonType type = JsonType::kNull;
    bool boolean = false;
    bool too_big = false;  // an integer above INT64_MAX
    std::int64_t integer = 0;
    double number = 0;
    std::string_view text;

    static Value Of(JsonType type) {
      Value v;
      v.type = type;
      return v;
    }
  };

  static std::string Describe(const Value& value);
  std::size_t ValueOffsetAfterKey(const char* key) const;
  // Offset of the current root member's value, found only when needed (an
  // error, an action/observation tag): it costs a scan of the key.
  std::size_t ValueOffset() const { return ValueOffsetAfterKey(key_.data()); }

  bool Top(const Value& value);
  // Top's members that take more than one JSON type (event_parse_members.cc).
  bool TopTimestamp(const Value& value);
  bool TopSource(const Value& value);
  bool TopTag(const Value& value);  // action / observation
  bool TopTimeout(const Value& value);
  bool TopSuccess(const Value& value);
  bool TopContainer(bool is_object);
  bool CaptureNext();  // starts capturing an unknown member; true while capturing
  void BeginCapture(std::string* target, bool* hidden, const char* hidden_field);
  bool CheckHidden(const Value& value);
  bool AfterCapturedScalar();
  bool AfterCapturedClose(char bracket);

  bool NotAnObject(std::string_view got);
  bool Expected(std::string_view expected, const Value& got);
  bool FieldError(std::string_view field, std::size_t offset, std::string_view message);

  std::string_view json_;
  const char* insitu_;
  Event* event_;
  ParsedParts* parts_;

  int depth_ = 0;  // 0: before the root object, 1: inside it, 2: after it
  Field field_ = Field::kUnknown;
  // The current root member's key, decoded in place in the reader's copy of
  // the text (which nothing overwrites before the parse ends).
  std::string_view key_;
  int member_order_ = -1;

  bool capturing_ = false;
  int capture_nesting_ = 0;
  bool* hidden_target_ = nullptr;  // args_hidden / extras_hidden while capturing them
  const char* hidden_field_ = "";
  bool hidden_next_ = false;
  std::size_t hidden_offset_ = 0;

  CaptureText writer_;

  std::string error_;
};

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_PARSE_HANDLER_H_
