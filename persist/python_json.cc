#include "persist/python_json.h"

#include <cstdint>

namespace evbus::persist {
namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendU16(std::uint32_t unit, std::string* out) {
  const char text[6] = {'\\',
                        'u',
                        kHex[(unit >> 12) & 0xf],
                        kHex[(unit >> 8) & 0xf],
                        kHex[(unit >> 4) & 0xf],
                        kHex[unit & 0xf]};
  out->append(text, sizeof(text));
}

}  // namespace

void AppendPythonJsonCodePoint(std::uint32_t cp, std::string* out) {
  switch (cp) {
    case '"':
      *out += "\\\"";
      return;
    case '\\':
      *out += "\\\\";
      return;
    case '\n':
      *out += "\\n";
      return;
    case '\r':
      *out += "\\r";
      return;
    case '\t':
      *out += "\\t";
      return;
    case '\b':
      *out += "\\b";
      return;
    case '\f':
      *out += "\\f";
      return;
    default:
      break;
  }
  if (cp >= 0x20 && cp < 0x7f) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x10000) {
    AppendU16(cp, out);
  } else {
    const std::uint32_t v = cp - 0x10000;
    AppendU16(0xd800 + (v >> 10), out);
    AppendU16(0xdc00 + (v & 0x3ff), out);
  }
}

namespace {

bool HexValue(char c, std::uint32_t* v) {
  if (c >= '0' && c <= '9')
    *v = static_cast<std::uint32_t>(c - '0');
  else if (c >= 'a' && c <= 'f')
    *v = static_cast<std::uint32_t>(c - 'a' + 10);
  else if (c >= 'A' && c <= 'F')
    *v = static_cast<std::uint32_t>(c - 'A' + 10);
  else
    return false;
  return true;
}

// Reads four hex digits at json[*i..]; advances past them.
bool ReadU16(std::string_view json, std::size_t* i, std::uint32_t* unit) {
  if (*i + 4 > json.size()) return false;
  *unit = 0;
  for (int k = 0; k < 4; ++k) {
    std::uint32_t v = 0;
    if (!HexValue(json[*i + static_cast<std::size_t>(k)], &v)) return false;
    *unit = (*unit << 4) | v;
  }
  *i += 4;
  return true;
}

// After a backslash at json[*i - 1]: the code point it stands for.
bool ReadEscape(std::string_view json, std::size_t* i, std::uint32_t* cp) {
  if (*i >= json.size()) return false;
  const char c = json[(*i)++];
  switch (c) {
    case '"':
    case '\\':
    case '/':
      *cp = static_cast<std::uint32_t>(c);
      return true;
    case 'n':
      *cp = '\n';
      return true;
    case 'r':
      *cp = '\r';
      return true;
    case 't':
      *cp = '\t';
      return true;
    case 'b':
      *cp = '\b';
      return true;
    case 'f':
      *cp = '\f';
      return true;
    case 'u':
      break;
    default:
      return false;
  }
  if (!ReadU16(json, i, cp)) return false;
  if (*cp < 0xd800 || *cp > 0xdbff) return *cp < 0xdc00 || *cp > 0xdfff;
  std::uint32_t low = 0;
  if (*i + 2 > json.size() || json[*i] != '\\' || json[*i + 1] != 'u') return false;
  *i += 2;
  if (!ReadU16(json, i, &low) || low < 0xdc00 || low > 0xdfff) return false;
  *cp = 0x10000 + ((*cp - 0xd800) << 10) + (low - 0xdc00);
  return true;
}

// One UTF-8 sequence starting at json[*i]; advances past it.
bool ReadUtf8(std::string_view json, std::size_t* i, std::uint32_t* cp) {
  const auto lead = static_cast<unsigned char>(json[(*i)++]);
  int more = 0;
  if (lead < 0x80) {
    *cp = lead;
    return true;
  } else if ((lead & 0xe0) == 0xc0 && lead >= 0xc2) {
    *cp = lead & 0x1fu, more = 1;
  } else if ((lead & 0xf0) == 0xe0) {
    *cp = lead & 0x0fu, more = 2;
  } else if ((lead & 0xf8) == 0xf0 && lead <= 0xf4) {
    *cp = lead & 0x07u, more = 3;
  } else {
    return false;
  }
  for (; more > 0; --more) {
    if (*i >= json.size()) return false;
    const auto next = static_cast<unsigned char>(json[(*i)++]);
    if ((next & 0xc0) != 0x80) return false;
    *cp = (*cp << 6) | (next & 0x3fu);
  }
  return *cp <= 0x10ffff && (*cp < 0xd800 || *cp > 0xdfff);
}

// A string starting after its opening quote at json[*i]; advances past the
// closing quote.
bool ConvertString(std::string_view json, std::size_t* i, std::string* out) {
  out->push_back('"');
  while (*i < json.size()) {
    const char c = json[*i];
    std::uint32_t cp = 0;
    if (c == '"') {
      ++*i;
      out->push_back('"');
      return true;
    }
    if (c == '\\') {
      ++*i;
      if (!ReadEscape(json, i, &cp)) return false;
    } else if (!ReadUtf8(json, i, &cp)) {
      return false;
    }
    AppendPythonJsonCodePoint(cp, out);
  }
  return false;
}

}  // namespace

Status AppendPythonJson(std::string_view json, std::string* out) {
  const std::size_t old_size = out->size();
  for (std::size_t i = 0; i < json.size();) {
    const char c = json[i++];
    bool ok = true;
    switch (c) {
      case '"':
        ok = ConvertString(json, &i, out);
        break;
      case ',':
        *out += ", ";
        break;
      case ':':
        *out += ": ";
        break;
      case ' ':
      case '\n':
      case '\r':
      case '\t':
        break;  // whitespace between tokens
      default:
        out->push_back(c);
        break;
    }
    if (!ok) {
      out->resize(old_size);
      return Status::InvalidArgument(
          "cannot write an event in OpenHands' JSON form: bad string "
          "near byte " +
          std::to_string(i) + " (not valid UTF-8 JSON); the event stays in the evbus store");
    }
  }
  return Status::OK();
}

}  // namespace evbus::persist
