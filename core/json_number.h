// JSON number text to the value Python's json module reads from it, without
// rapidjson's number conversion.
//
// ParseEvent has rapidjson's reader hand numbers over as text
// (kParseNumbersAsStringsFlag) and converts them here. rapidjson 1.1.0's own
// full-precision conversion has undefined behaviour on shallow inputs (clz(0)
// in DiyFp::Normalize for a zero with a large exponent, e.g. `0E111`, which
// in a release build turns 0 into an arbitrary number; an out-of-bounds read
// on hundreds of digits); its normal-precision conversion is off by an ULP
// on many inputs. std::from_chars rounds correctly, as Python's float() does.
//
// Kinds follow rapidjson's reader, so the text written back is unchanged:
// an integer (no '.', 'e' or 'E') that fits in int64 or uint64 stays an
// integer; anything else is a double: the nearest one, +-0.0 below the
// smallest denormal, +-inf above the largest double (as Python's json.loads).
//
// Thread safety: pure functions.
#ifndef EVBUS_CORE_JSON_NUMBER_H_
#define EVBUS_CORE_JSON_NUMBER_H_

#include <cstdint>
#include <string_view>

namespace evbus {

struct JsonNumber {
  enum class Kind : std::uint8_t { kInt64, kUint64, kDouble };
  Kind kind = Kind::kInt64;
  std::int64_t int64 = 0;    // kInt64
  std::uint64_t uint64 = 0;  // kUint64: above INT64_MAX
  double number = 0;         // kDouble
};

// `text` is a number rapidjson's reader accepted: JSON's number grammar, or
// NaN, Infinity, -Infinity (kParseNanAndInfFlag).
JsonNumber ParseJsonNumber(std::string_view text) noexcept;

}  // namespace evbus

#endif  // EVBUS_CORE_JSON_NUMBER_H_
