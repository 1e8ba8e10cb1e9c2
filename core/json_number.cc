#include "core/json_number.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace evbus {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// For a double text from_chars found out of range: true when it is too
// large (then it is +-inf), false when too small (+-0.0). The decimal
// exponent of its first significant digit decides; out of range, it is far
// from 0 either way (above 307 or below -323).
bool OverflowsDouble(std::string_view text) {
  std::int64_t before_point = 0;  // significand digits before the '.'
  std::int64_t leading = -1;      // index of the first non-zero digit
  std::int64_t index = 0;
  bool seen_point = false;
  std::size_t i = text.front() == '-' ? 1 : 0;
  for (; i < text.size() && (IsDigit(text[i]) || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      seen_point = true;
      continue;
    }
    if (leading < 0 && text[i] != '0') leading = index;
    ++index;
    if (!seen_point) ++before_point;
  }
  if (leading < 0) return false;  // a zero
  std::int64_t exponent = 0;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    const bool negative = i < text.size() && text[i] == '-';
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    for (; i < text.size() && IsDigit(text[i]); ++i) {
      if (exponent < 1'000'000) exponent = exponent * 10 + (text[i] - '0');  // clamped
    }
    if (negative) exponent = -exponent;
  }
  return before_point - 1 - leading + exponent > 0;
}

double ParseDouble(std::string_view text) {
  const bool negative = text.front() == '-';
  const std::string_view magnitude = negative ? text.substr(1) : text;
  if (magnitude == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (magnitude == "Infinity") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    value = OverflowsDouble(text) ? std::numeric_limits<double>::infinity() : 0.0;
    return negative ? -value : value;
  }
  return value;
}

}  // namespace

JsonNumber ParseJsonNumber(std::string_view text) noexcept {
  JsonNumber out;
  if (text.empty()) return out;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  bool integer = true;  // no '.', exponent, NaN or Infinity
  for (const char c : text) integer = integer && (IsDigit(c) || c == '-');
  if (integer) {
    if (text.front() == '-') {
      if (std::from_chars(first, last, out.int64).ec == std::errc()) return out;
    } else if (std::from_chars(first, last, out.uint64).ec == std::errc()) {
      if (out.uint64 <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out.int64 = static_cast<std::int64_t>(out.uint64);
        out.uint64 = 0;
        return out;
      }
      out.kind = JsonNumber::Kind::kUint64;
      return out;
    }
    // Beyond 64 bits: a double, as rapidjson makes it.
  }
  out.kind = JsonNumber::Kind::kDouble;
  out.number = ParseDouble(text);
  return out;
}

}  // namespace evbus
