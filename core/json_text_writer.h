// JsonTextWriter: a rapidjson Writer that appends compact JSON to a
// std::string, plus floats written the way Python writes them.
//
// Output is UTF-8 as given (non-ASCII is not \u-escaped, unlike Python's
// json.dumps default): only '"', '\\' and bytes below 0x20 are escaped.
// Separators are compact (',' and ':', no spaces).
//
// Thread safety: a writer belongs to one thread; the free functions are pure.
#ifndef EVBUS_CORE_JSON_TEXT_WRITER_H_
#define EVBUS_CORE_JSON_TEXT_WRITER_H_

#include <rapidjson/allocators.h>
#include <rapidjson/encodings.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "core/json_append.h"

namespace evbus {

// The output stream rapidjson's Writer needs (Put/Flush), appending to a
// string owned by the caller.
class StringAppendStream {
 public:
  using Ch = char;
  explicit StringAppendStream(std::string* out) : out_(out) {}
  void Put(char c) { out_->push_back(c); }
  void Flush() {}
  std::string* out() const { return out_; }

 private:
  std::string* out_;
};

// rapidjson's Writer, with strings and keys appended in runs
// (AppendJsonQuoted, core/json_append.h): the same bytes as the base's
// WriteString, which puts one character at a time.
class JsonTextWriter
    : public rapidjson::Writer<StringAppendStream, rapidjson::UTF8<>, rapidjson::UTF8<>,
                               rapidjson::MemoryPoolAllocator<>> {
 public:
  using Base = rapidjson::Writer<StringAppendStream, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                 rapidjson::MemoryPoolAllocator<>>;
  using Base::Base;
  using Base::Key;
  using Base::String;

  bool String(const Ch* str, rapidjson::SizeType length, bool /*copy*/ = false) {
    Prefix(rapidjson::kStringType);
    AppendJsonQuoted(std::string_view(str, length), os_->out());
    return EndValue(true);
  }
  bool Key(const Ch* str, rapidjson::SizeType length, bool copy = false) {
    return String(str, length, copy);
  }
};

// Backing store for a writer's nesting stack, so that writing JSON up to
// about 45 levels deep allocates nothing but the output text itself:
//   WriterStackBuffer stack;
//   JsonTextWriter writer(stream, &stack.allocator);
struct WriterStackBuffer {
  WriterStackBuffer() : allocator(bytes, sizeof(bytes)) {}
  WriterStackBuffer(const WriterStackBuffer&) = delete;
  WriterStackBuffer& operator=(const WriterStackBuffer&) = delete;

  alignas(16) char bytes[1024];
  rapidjson::MemoryPoolAllocator<> allocator;
};

// Longest text FormatPythonFloat writes ("-2.2250738585072014e-308" is 24).
inline constexpr std::size_t kPythonFloatMaxChars = 32;

// `value` as Python's repr(float) and json.dumps write it: the shortest text
// that reads back as the same double, "120.0" (never "120"), "0.0001",
// "1e-05", "1e+16", "NaN", "Infinity", "-Infinity". Writes into `buf` (at
// least kPythonFloatMaxChars) and returns the length.
std::size_t FormatPythonFloat(double value, char* buf);
void AppendPythonFloat(double value, std::string* out);

// Writes `value` as a JSON number in Python's form (see FormatPythonFloat).
bool WritePythonFloat(JsonTextWriter& writer, double value);

}  // namespace evbus

#endif  // EVBUS_CORE_JSON_TEXT_WRITER_H_
