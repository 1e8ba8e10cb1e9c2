// The body of a JSON string (the text between its quotes): finding its end,
// decoding its escapes piece by piece, and encoding text back into one.
//
// Decoding joins surrogate pairs into UTF-8; a lone surrogate (which Python's
// json.dumps writes, e.g. "\udc80") becomes its 3-byte WTF-8 form so that
// AppendJsonStringBody writes the very same escape back: decode then encode
// loses nothing.
//
// Thread safety: pure functions.
#ifndef EVBUS_CORE_JSON_STRING_CODEC_H_
#define EVBUS_CORE_JSON_STRING_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace evbus {

// `begin` is the offset just after an opening quote. Returns the offset of the
// closing quote (npos when there is none) and sets *has_escapes.
std::size_t FindJsonStringEnd(std::string_view json, std::size_t begin, bool* has_escapes) noexcept;

// Appends `text` as a JSON string body: ", \ and bytes below 0x20 escaped, a
// WTF-8 lone surrogate written as \uXXXX, all else as it is.
void AppendJsonStringBody(std::string_view text, std::string* out);

namespace json_codec_internal {
// Four hex digits at body[at..at+4) -> value, or -1.
int ParseHex4(std::string_view body, std::size_t at) noexcept;
// UTF-8 (or WTF-8 for a lone surrogate) of `code_point` into buf; returns length.
std::size_t EncodeUtf8(std::uint32_t code_point, char* buf) noexcept;
// Decodes the escape at body[at] == '\\' into buf; returns the escape's length
// in `body` (2, 6 or 12) and sets *out_len, or returns 0 when it is malformed.
std::size_t DecodeEscape(std::string_view body, std::size_t at, char* buf,
                         std::size_t* out_len) noexcept;
}  // namespace json_codec_internal

// Decodes a string body, calling sink(std::string_view) with consecutive
// pieces of the decoded text (raw runs and decoded escapes). Returns false on
// a malformed escape and sets *error_at to its offset in `body`.
template <typename Sink>
bool DecodeJsonStringBody(std::string_view body, Sink&& sink, std::size_t* error_at) {
  std::size_t i = 0;
  while (i < body.size()) {
    const std::size_t slash = body.find('\\', i);
    if (slash == std::string_view::npos) {
      sink(body.substr(i));
      return true;
    }
    if (slash > i) sink(body.substr(i, slash - i));
    char buf[4];
    std::size_t len = 0;
    const std::size_t consumed = json_codec_internal::DecodeEscape(body, slash, buf, &len);
    if (consumed == 0) {
      *error_at = slash;
      return false;
    }
    sink(std::string_view(buf, len));
    i = slash + consumed;
  }
  return true;
}

}  // namespace evbus

#endif  // EVBUS_CORE_JSON_STRING_CODEC_H_
