// Python-style float text for JsonTextWriter.
//
// Python's repr(float) takes the shortest digits that read back as the same
// double (as std::to_chars does) and lays them out in positional notation
// when the decimal exponent is in [-4, 16), else in scientific notation with
// a signed, at least two-digit exponent. Integral values keep a ".0".
#include "core/json_text_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace evbus {
namespace {

// Appends `count` copies of `c` at `p` and returns the new end.
char* Fill(char* p, int count, char c) {
  for (int i = 0; i < count; ++i) *p++ = c;
  return p;
}

char* Copy(char* p, std::string_view text) {
  std::memcpy(p, text.data(), text.size());
  return p + text.size();
}

}  // namespace

std::size_t FormatPythonFloat(double value, char* buf) {
  if (std::isnan(value)) return static_cast<std::size_t>(Copy(buf, "NaN") - buf);
  if (std::isinf(value)) {
    return static_cast<std::size_t>(Copy(buf, value < 0 ? "-Infinity" : "Infinity") - buf);
  }
  // Shortest round-trip digits, as "[-]d[.ddd]e[+-]xx".
  char sci[kPythonFloatMaxChars];
  const auto result =
      std::to_chars(sci, sci + sizeof(sci), std::fabs(value), std::chars_format::scientific);
  const std::string_view text(sci, static_cast<std::size_t>(result.ptr - sci));
  const std::size_t e = text.find('e');
  char digits[20];
  int digit_count = 0;
  for (char c : text.substr(0, e)) {
    if (c != '.') digits[digit_count++] = c;
  }
  int exponent = 0;
  std::string_view exp_text = text.substr(e + 1);
  const bool exp_negative = exp_text.front() == '-';
  exp_text.remove_prefix(1);  // to_chars always writes the sign
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  if (exp_negative) exponent = -exponent;

  char* p = buf;
  if (std::signbit(value)) *p++ = '-';
  const std::string_view all(digits, static_cast<std::size_t>(digit_count));
  const int point = exponent + 1;  // digits are 0.ddd * 10^point
  if (point <= -4 || point > 16) {
    *p++ = digits[0];
    if (digit_count > 1) {
      *p++ = '.';
      p = Copy(p, all.substr(1));
    }
    *p++ = 'e';
    *p++ = exponent < 0 ? '-' : '+';
    const int magnitude = exponent < 0 ? -exponent : exponent;
    if (magnitude < 10) *p++ = '0';
    p = std::to_chars(p, p + 4, magnitude).ptr;
  } else if (point <= 0) {
    p = Copy(Fill(Copy(p, "0."), -point, '0'), all);
  } else if (point >= digit_count) {
    p = Copy(Fill(Copy(p, all), point - digit_count, '0'), ".0");
  } else {
    const auto split = static_cast<std::size_t>(point);
    p = Copy(p, all.substr(0, split));
    *p++ = '.';
    p = Copy(p, all.substr(split));
  }
  return static_cast<std::size_t>(p - buf);
}

void AppendPythonFloat(double value, std::string* out) {
  char buf[kPythonFloatMaxChars];
  out->append(buf, FormatPythonFloat(value, buf));
}

bool WritePythonFloat(JsonTextWriter& writer, double value) {
  char buf[kPythonFloatMaxChars];
  const std::size_t length = FormatPythonFloat(value, buf);
  return writer.RawValue(buf, length, rapidjson::kNumberType);
}

}  // namespace evbus
