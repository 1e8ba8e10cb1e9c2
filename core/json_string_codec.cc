#include "core/json_string_codec.h"

#include <array>
#include <cstring>

namespace evbus {
namespace json_codec_internal {

int ParseHex4(std::string_view body, std::size_t at) noexcept {
  if (at + 4 > body.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + 4; ++i) {
    const char c = body[i];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return -1;
    }
    value = value * 16 + digit;
  }
  return value;
}

std::size_t EncodeUtf8(std::uint32_t cp, char* buf) noexcept {
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  buf[0] = static_cast<char>(0xF0 | (cp >> 18));
  buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

std::size_t DecodeEscape(std::string_view body, std::size_t at, char* buf,
                         std::size_t* out_len) noexcept {
  if (at + 1 >= body.size()) return 0;
  char simple;
  switch (body[at + 1]) {
    case '"':
      simple = '"';
      break;
    case '\\':
      simple = '\\';
      break;
    case '/':
      simple = '/';
      break;
    case 'b':
      simple = '\b';
      break;
    case 'f':
      simple = '\f';
      break;
    case 'n':
      simple = '\n';
      break;
    case 'r':
      simple = '\r';
      break;
    case 't':
      simple = '\t';
      break;
    case 'u': {
      const int unit = ParseHex4(body, at + 2);
      if (unit < 0) return 0;
      auto cp = static_cast<std::uint32_t>(unit);
      std::size_t consumed = 6;
      if (cp >= 0xD800 && cp <= 0xDBFF && body.substr(at + 6, 2) == "\\u") {
        const int low = ParseHex4(body, at + 8);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
          consumed = 12;
        }
      }
      *out_len = EncodeUtf8(cp, buf);
      return consumed;
    }
    default:
      return 0;
  }
  buf[0] = simple;
  *out_len = 1;
  return 2;
}

}  // namespace json_codec_internal

std::size_t FindJsonStringEnd(std::string_view json, std::size_t begin,
                              bool* has_escapes) noexcept {
  *has_escapes = false;
  const char* data = json.data();
  const std::size_t n = json.size();
  std::size_t i = begin;
  const void* quote = i < n ? std::memchr(data + i, '"', n - i) : nullptr;
  while (quote != nullptr) {
    const std::size_t q = static_cast<std::size_t>(static_cast<const char*>(quote) - data);
    const void* slash = std::memchr(data + i, '\\', q - i);
    if (slash == nullptr) return q;
    *has_escapes = true;
    // Skip the backslash and the byte it escapes (enough to step over \" and
    // \\; \uXXXX holds no quote or backslash and is validated when decoded).
    i = static_cast<std::size_t>(static_cast<const char*>(slash) - data) + 2;
    if (i > q) quote = i < n ? std::memchr(data + i, '"', n - i) : nullptr;
  }
  return std::string_view::npos;
}

namespace {

// Bytes that AppendJsonStringBody may have to write differently.
constexpr std::array<bool, 256> kSpecial = [] {
  std::array<bool, 256> special{};
  for (int c = 0; c < 0x20; ++c) special[static_cast<std::size_t>(c)] = true;
  special['"'] = special['\\'] = special[0xED] = true;
  return special;
}();

}  // namespace

void AppendJsonStringBody(std::string_view text, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!kSpecial[c]) continue;
    char esc[6] = {'\\', 'u', '0', '0', 0, 0};
    std::size_t esc_len = 2;
    std::size_t consumed = 1;
    if (c == '"' || c == '\\') {
      esc[1] = static_cast<char>(c);
    } else if (c == '\n' || c == '\t' || c == '\r' || c == '\b' || c == '\f') {
      esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : c == '\b' ? 'b' : 'f';
    } else if (c < 0x20) {
      esc[4] = kHex[c >> 4];
      esc[5] = kHex[c & 0xF];
      esc_len = 6;
    } else if (c == 0xED && i + 2 < text.size() &&
               (static_cast<unsigned char>(text[i + 1]) & 0xE0) == 0xA0) {
      // WTF-8 lone surrogate U+D800..U+DFFF (never valid UTF-8).
      const std::uint32_t cp = 0xD000u | ((static_cast<unsigned char>(text[i + 1]) & 0x3Fu) << 6) |
                               (static_cast<unsigned char>(text[i + 2]) & 0x3Fu);
      esc[2] = kHex[(cp >> 12) & 0xF];
      esc[3] = kHex[(cp >> 8) & 0xF];
      esc[4] = kHex[(cp >> 4) & 0xF];
      esc[5] = kHex[cp & 0xF];
      esc_len = 6;
      consumed = 3;
    } else {
      continue;
    }
    out->append(text.substr(run, i - run));
    out->append(esc, esc_len);
    run = i + consumed;
    i += consumed - 1;
  }
  out->append(text.substr(run));
}

}  // namespace evbus
