// CaptureText: writes the SAX events of one captured member (ParseEvent's
// args, extras, tool_call_metadata, llm_metrics, unknown members) back out
// as compact JSON text. Internal to core/event_parse_handler.cc.
//
// The bytes are JsonTextWriter's (core/json_text_writer.h): strings and keys
// through AppendJsonQuoted, integers in decimal, floats as Python writes
// them. It keeps no nesting stack: in compact JSON a value or a key needs a
// ',' before it exactly when the text so far is not empty and does not end
// in '{', '[' or ':', and the reader hands over only well-formed sequences.
// The text is built in a per-thread buffer and copied to its target once,
// when the member ends (one allocation of the right size, instead of the
// target growing by doubling).
//
// Thread safety: one per parse, one thread.
#ifndef EVBUS_CORE_EVENT_PARSE_CAPTURE_H_
#define EVBUS_CORE_EVENT_PARSE_CAPTURE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/json_append.h"
#include "core/json_text_writer.h"

namespace evbus {

class CaptureText {
 public:
  // Starts a member whose text goes to `target` when End is called.
  void Begin(std::string* target) {
    target_ = target;
    text_.clear();
  }
  // Copies the member's text to its target.
  void End() {
    target_->assign(text_);
    if (text_.capacity() > kKeptCapacity) std::string().swap(text_);  // one huge member
  }

  void Null() { Literal("null"); }
  void Bool(bool b) { Literal(b ? "true" : "false"); }
  void Int64(std::int64_t i) {
    Separate();
    AppendJsonInt(i, &text_);
  }
  void Uint64(std::uint64_t u) {
    Separate();
    text_.append(std::to_string(u));
  }
  void Double(double d) {
    Separate();
    AppendPythonFloat(d, &text_);
  }
  void String(std::string_view s) {
    Separate();
    AppendJsonQuoted(s, &text_);
  }
  void Key(std::string_view s) {
    String(s);
    text_.push_back(':');
  }
  void Open(char bracket) {
    Separate();
    text_.push_back(bracket);
  }
  void Close(char bracket) { text_.push_back(bracket); }

 private:
  static constexpr std::size_t kKeptCapacity = 1 << 20;

  void Separate() {
    if (text_.empty()) return;
    const char last = text_.back();
    if (last != '{' && last != '[' && last != ':') text_.push_back(',');
  }
  void Literal(std::string_view word) {
    Separate();
    text_.append(word);
  }

  std::string* target_ = nullptr;
  std::string& text_ = Buffer();

  static std::string& Buffer() {
    thread_local std::string buffer;
    return buffer;
  }
};

}  // namespace evbus

#endif  // EVBUS_CORE_EVENT_PARSE_CAPTURE_H_
