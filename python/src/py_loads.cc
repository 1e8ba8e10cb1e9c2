#include "python/src/py_loads.h"

#include <cstdint>
#include <cstring>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evbus::python {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The first byte in [p, end) that a string's fast loop must look at: '"',
// '\\', a control character or a non-ASCII byte. 16 bytes a step (SSE2).
const char* NextSpecial(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i space = _mm_set1_epi8(0x20);
  for (; end - p >= 16; p += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Signed: a byte >= 0x80 is negative, so below 0x20 too.
    const __m128i hit =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmplt_epi8(v, space));
    const int mask = _mm_movemask_epi8(hit);
    if (mask != 0) return p + __builtin_ctz(static_cast<unsigned>(mask));
  }
#endif
  for (; p != end; ++p) {
    const auto c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
  }
  return end;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Keys met before (the same few dozen names in every event), ASCII only:
// one str object per name instead of a new one per event. Direct-mapped by
// a hash of the bytes; the GIL guards it. Its references are never
// released (a few hundred short str at most).
class KeyCache {
 public:
  PyObject* Get(std::string_view key) {
    if (key.size() > kMaxKeyBytes) return NewAsciiStr(key);
    std::uint32_t hash = 2166136261u;  // FNV-1a
    for (const char c : key) hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
    PyObject*& slot = slots_[hash % kSlots];
    if (slot != nullptr && static_cast<std::size_t>(PyUnicode_GET_LENGTH(slot)) == key.size() &&
        std::memcmp(PyUnicode_DATA(slot), key.data(), key.size()) == 0) {
      return Py_NewRef(slot);
    }
    PyObject* made = NewAsciiStr(key);
    if (made == nullptr) return nullptr;
    Py_XSETREF(slot, Py_NewRef(made));
    return made;
  }

 private:
  static constexpr std::size_t kMaxKeyBytes = 48;
  static constexpr std::size_t kSlots = 512;
  PyObject* slots_[kSlots] = {};
};

KeyCache key_cache;  // under the GIL

class Reader {
 public:
  explicit Reader(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  PyObject* Document() {
    PyObject* value = Value(0);
    SkipSpace();
    if (value != nullptr && p_ != end_) Py_CLEAR(value);
    if (value == nullptr) PyErr_Clear();  // a MemoryError on the way: json.loads's turn
    return value;
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }
  bool Take(char c) {
    SkipSpace();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  PyObject* Value(int depth) {
    SkipSpace();
    if (p_ == end_) return nullptr;
    switch (*p_) {
      case '{':
        return depth < kMaxLoadsDepth ? Object(depth + 1) : nullptr;
      case '[':
        return depth < kMaxLoadsDepth ? Array(depth + 1) : nullptr;
      case '"':
        ++p_;
        return String(false);
      case 't':
        return Literal("true", Py_True);
      case 'f':
        return Literal("false", Py_False);
      case 'n':
        return Literal("null", Py_None);
      default:
        return Number();
    }
  }

  PyObject* Literal(std::string_view word, PyObject* value) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return nullptr;
    }
    p_ += word.size();
    return Py_NewRef(value);
  }

  PyObject* Object(int depth) {
    ++p_;  // '{'
    PyObject* dict = PyDict_New();
    if (dict == nullptr || Take('}')) return dict;
    for (;;) {
      if (!Take('"')) break;
      PyObject* key = String(true);
      PyObject* value = key != nullptr && Take(':') ? Value(depth) : nullptr;
      const bool set = value != nullptr && PyDict_SetItem(dict, key, value) == 0;
      Py_XDECREF(key);
      Py_XDECREF(value);
      if (!set) break;
      if (Take('}')) return dict;
      if (!Take(',')) break;
    }
    Py_DECREF(dict);
    return nullptr;
  }

  PyObject* Array(int depth) {
    ++p_;  // '['
    PyObject* list = PyList_New(0);
    if (list == nullptr || Take(']')) return list;
    for (;;) {
      PyObject* value = Value(depth);
      const bool added = value != nullptr && PyList_Append(list, value) == 0;
      Py_XDECREF(value);
      if (!added) break;
      if (Take(']')) return list;
      if (!Take(',')) break;
    }
    Py_DECREF(list);
    return nullptr;
  }

  // After the opening quote.
  PyObject* String(bool key) {
    const char* start = p_;
    bool ascii = true;
    for (; (p_ = NextSpecial(p_, end_)) != end_ && *p_ != '"'; ++p_) {
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '\\') return Escaped(start);
      if (c < 0x20) return nullptr;  // json.loads (strict) refuses it
      ascii = false;                 // the only other special byte: >= 0x80
    }
    if (p_ == end_) return nullptr;
    const std::string_view bytes(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    if (ascii) return key ? key_cache.Get(bytes) : NewAsciiStr(bytes);
    return PyUnicode_DecodeUTF8(bytes.data(), static_cast<Py_ssize_t>(bytes.size()), nullptr);
  }

  // A string with escapes, read again from its first byte: into ascii_
  // while every code point is ASCII (most strings: "\n" and "\"" only),
  // then into points_.
  PyObject* Escaped(const char* start) {
    p_ = start;
    ascii_.clear();
    wide_ = false;
    for (;;) {
      const char* special = NextSpecial(p_, end_);
      PutRun(p_, special);  // plain ASCII
      p_ = special;
      if (p_ == end_ || *p_ == '"') break;
      const auto c = static_cast<unsigned char>(*p_);
      if (c < 0x20) return nullptr;
      if (!(c == '\\' ? Escape() : Utf8Sequence())) return nullptr;
    }
    if (p_ == end_) return nullptr;
    ++p_;
    if (!wide_) return NewAsciiStr(ascii_);
    return PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, points_.data(),
                                     static_cast<Py_ssize_t>(points_.size()));
  }

  void PutRun(const char* from, const char* to) {
    if (!wide_) {
      ascii_.append(from, to);
    } else {
      points_.insert(points_.end(), from, to);
    }
  }

  void Put(char32_t point) {
    if (!wide_ && point < 0x80) {
      ascii_.push_back(static_cast<char>(point));
      return;
    }
    if (!wide_) {
      points_.assign(ascii_.begin(), ascii_.end());
      wide_ = true;
    }
    points_.push_back(point);
  }

  // After a backslash: one escape, as json.loads reads it.
  bool Escape() {
    ++p_;
    if (p_ == end_) return false;
    const char c = *p_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        Put(static_cast<unsigned char>(c));
        return true;
      case 'b':
        Put('\b');
        return true;
      case 'f':
        Put('\f');
        return true;
      case 'n':
        Put('\n');
        return true;
      case 'r':
        Put('\r');
        return true;
      case 't':
        Put('\t');
        return true;
      case 'u':
        return Unicode();
      default:
        return false;
    }
  }

  int Hex4(const char* at) const {
    if (end_ - at < 4) return -1;
    int value = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = HexValue(at[i]);
      if (digit < 0) return -1;
      value = value * 16 + digit;
    }
    return value;
  }

  // After "\u": a pair of surrogate escapes is one code point; a lone
  // surrogate stays one (json.loads keeps it).
  bool Unicode() {
    const int unit = Hex4(p_);
    if (unit < 0) return false;
    p_ += 4;
    char32_t point = static_cast<char32_t>(unit);
    if (unit >= 0xD800 && unit <= 0xDBFF && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
      const int low = Hex4(p_ + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        point = 0x10000 + ((static_cast<char32_t>(unit) - 0xD800) << 10) +
                (static_cast<char32_t>(low) - 0xDC00);
        p_ += 6;
      }
    }
    Put(point);
    return true;
  }

  // One UTF-8 sequence, as bytes.decode() accepts it (no overlong forms, no
  // surrogates, nothing above U+10FFFF).
  bool Utf8Sequence() {
    const auto lead = static_cast<unsigned char>(*p_);
    int extra = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;  // bounds of the second byte
    if (lead >= 0xC2 && lead <= 0xDF) {
      extra = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      extra = 2;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      extra = 3;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (end_ - p_ <= extra) return false;
    char32_t point = lead & (0x3F >> extra);
    for (int i = 1; i <= extra; ++i) {
      const auto b = static_cast<unsigned char>(p_[i]);
      if (i == 1 ? (b < low || b > high) : (b < 0x80 || b > 0xBF)) return false;
      point = (point << 6) | (b & 0x3F);
    }
    Put(point);
    p_ += extra + 1;
    return true;
  }

  PyObject* Number() {
    const char* start = p_;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !IsDigit(*p_)) return nullptr;  // NaN, -Infinity, ...: json.loads's
    if (*p_++ != '0') {
      while (p_ != end_ && IsDigit(*p_)) ++p_;
    }
    const std::size_t int_chars = static_cast<std::size_t>(p_ - start);
    bool is_float = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!Digits()) return nullptr;
      is_float = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!Digits()) return nullptr;
      is_float = true;
    }
    if (!is_float && int_chars <= 18) return SmallInt(start, p_);
    const std::string text(start, p_);
    if (!is_float) return PyLong_FromString(text.c_str(), nullptr, 10);
    const double value = PyOS_string_to_double(text.c_str(), nullptr, nullptr);  // float()'s
    if (value == -1.0 && PyErr_Occurred()) return nullptr;
    return PyFloat_FromDouble(value);
  }

  bool Digits() {
    const char* first = p_;
    while (p_ != end_ && IsDigit(*p_)) ++p_;
    return p_ != first;
  }

  static PyObject* SmallInt(const char* p, const char* end) {
    const bool negative = *p == '-';
    if (negative) ++p;
    std::int64_t value = 0;
    for (; p != end; ++p) value = value * 10 + (*p - '0');
    return PyLong_FromLongLong(negative ? -value : value);
  }

  const char* p_;
  const char* end_;
  std::string ascii_;
  std::u32string points_;
  bool wide_ = false;
};

}  // namespace

PyObject* NewAsciiStr(std::string_view text) {
  PyObject* str = PyUnicode_New(static_cast<Py_ssize_t>(text.size()), 127);
  if (str != nullptr) std::memcpy(PyUnicode_DATA(str), text.data(), text.size());
  return str;
}

PyObject* LoadsJson(std::string_view text) { return Reader(text).Document(); }

}  // namespace evbus::python
