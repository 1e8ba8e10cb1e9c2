// ParseJsonNumber against the C library's correctly rounded strtod, on
// fixed edge cases and on random texts in JSON's number grammar.
#include "core/json_number.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace evbus {
namespace {

// What strtod makes of `text` (correctly rounded; +-HUGE_VAL on overflow).
double Reference(const std::string& text) { return std::strtod(text.c_str(), nullptr); }

void ExpectSameDouble(const std::string& text) {
  const JsonNumber n = ParseJsonNumber(text);
  ASSERT_EQ(n.kind, JsonNumber::Kind::kDouble) << text;
  const double want = Reference(text);
  EXPECT_EQ(std::memcmp(&n.number, &want, sizeof want), 0)
      << text << ": got " << n.number << ", want " << want;
}

TEST(JsonNumberTest, IntegersStayIntegersUpTo64Bits) {
  JsonNumber n = ParseJsonNumber("42");
  EXPECT_EQ(n.kind, JsonNumber::Kind::kInt64);
  EXPECT_EQ(n.int64, 42);
  n = ParseJsonNumber("-0");
  EXPECT_EQ(n.kind, JsonNumber::Kind::kInt64);
  EXPECT_EQ(n.int64, 0);
  n = ParseJsonNumber("-9223372036854775808");
  EXPECT_EQ(n.kind, JsonNumber::Kind::kInt64);
  EXPECT_EQ(n.int64, std::numeric_limits<std::int64_t>::min());
  n = ParseJsonNumber("9223372036854775808");
  EXPECT_EQ(n.kind, JsonNumber::Kind::kUint64);
  EXPECT_EQ(n.uint64, 9223372036854775808ull);
  n = ParseJsonNumber("18446744073709551615");
  EXPECT_EQ(n.kind, JsonNumber::Kind::kUint64);
  EXPECT_EQ(n.uint64, std::numeric_limits<std::uint64_t>::max());
  ExpectSameDouble("18446744073709551616");
  ExpectSameDouble("-9223372036854775809");
  ExpectSameDouble("123456789012345678901234567890");
}

// The inputs that sent rapidjson 1.1.0's full-precision path into clz(0):
// a zero significand with an exponent. They are zeros.
TEST(JsonNumberTest, ZeroWithAnyExponentIsZero) {
  for (const char* text : {"0E111", "0e92", "0.0e308", "0.000e-400", "-0e308", "0E0"}) {
    const JsonNumber n = ParseJsonNumber(text);
    ASSERT_EQ(n.kind, JsonNumber::Kind::kDouble) << text;
    EXPECT_EQ(n.number, 0.0) << text;
    EXPECT_EQ(std::signbit(n.number), text[0] == '-') << text;
  }
}

TEST(JsonNumberTest, OutOfRangeBecomesInfinityOrZeroAsPythonReadsIt) {
  for (const char* text :
       {"1e309", "1.8e308", "-1e309", "1e-400", "-1e-400", "2e-324", "4.9e-324",
        "2.4703282292062328e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
        "1.7976931348623159e308", "0.1e-323", "100000e-329", "0.00001e313"}) {
    ExpectSameDouble(text);
  }
}

TEST(JsonNumberTest, NanAndInfinityAsRapidjsonSpellsThem) {
  EXPECT_TRUE(std::isnan(ParseJsonNumber("NaN").number));
  EXPECT_EQ(ParseJsonNumber("Infinity").number, std::numeric_limits<double>::infinity());
  EXPECT_EQ(ParseJsonNumber("-Infinity").number, -std::numeric_limits<double>::infinity());
}

// Random texts: digits before and after the point, with and without an
// exponent, biased toward the hard cases (17+ significant digits, halfway
// points, the ends of the range).
TEST(JsonNumberTest, AgreesWithStrtodOnRandomTexts) {
  std::mt19937_64 rng(20260528);
  auto digits = [&](int count, bool nonzero_first) {
    std::string s;
    for (int i = 0; i < count; ++i) {
      char d = static_cast<char>('0' + rng() % 10);
      if (i == 0 && nonzero_first && d == '0') d = '1';
      s.push_back(d);
    }
    return s;
  };
  for (int i = 0; i < 200'000; ++i) {
    std::string text = rng() % 4 == 0 ? "-" : "";
    const int int_digits = static_cast<int>(rng() % 20);
    text += int_digits == 0 ? "0" : digits(int_digits, true);
    if (rng() % 3 != 0) text += "." + digits(1 + static_cast<int>(rng() % 25), false);
    if (rng() % 2 == 0) {
      text += rng() % 2 == 0 ? "e" : "E";
      const int sign = static_cast<int>(rng() % 3);
      if (sign == 1) text += "-";
      if (sign == 2) text += "+";
      text += std::to_string(rng() % 330);
    } else if (text.find('.') == std::string::npos) {
      continue;  // an integer: covered above
    }
    ExpectSameDouble(text);
    if (HasFailure()) return;
  }
  // Shortest texts of random doubles read back to the same double.
  for (int i = 0; i < 100'000; ++i) {
    double d;
    const std::uint64_t bits = rng();
    std::memcpy(&d, &bits, sizeof d);
    if (!std::isfinite(d)) continue;
    char buf[64];
    const auto end = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific).ptr;
    ExpectSameDouble(std::string(buf, end));
    if (HasFailure()) return;
  }
}

}  // namespace
}  // namespace evbus
