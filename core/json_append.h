// Fast JSON text primitives for the event writer: they append to a
// std::string in runs (memcpy), never a character at a time.
//
// The bytes are exactly those rapidjson's Writer<UTF8, UTF8> wrote before
// (the tests compare against OpenHands' output): in a string only '"', '\\'
// and bytes below 0x20 are escaped, as \" \\ \b \t \n \f \r or \u00XX with
// upper-case hex; every other byte (UTF-8, WTF-8, 0x7F) is copied as is.
//
// Thread safety: pure functions, except AppendTimestampText, which keeps a
// per-thread cache of the last second it formatted.
#ifndef EVBUS_CORE_JSON_APPEND_H_
#define EVBUS_CORE_JSON_APPEND_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace evbus {

// Offset of the first byte of text[from, size) that a JSON string must
// escape, or text.size(). 16 bytes per step (SSE2) where available.
std::size_t FindJsonEscape(std::string_view text, std::size_t from) noexcept;

// Appends "text" (with quotes), escaped as described above.
void AppendJsonQuoted(std::string_view text, std::string* out);

// Appends a decimal integer.
void AppendJsonInt(std::int64_t value, std::string* out);

// Appends FormatTimestamp(ns) (core/timestamp.h), without its allocation:
// the local date and time of the second are cached per thread.
void AppendTimestampText(std::int64_t ns_since_epoch, std::string* out);

}  // namespace evbus

#endif  // EVBUS_CORE_JSON_APPEND_H_
