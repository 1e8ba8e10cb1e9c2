#include "core/timestamp.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <limits>
#include <optional>
#include <string>

namespace evbus {
namespace {

constexpr std::int64_t kSec = 1'000'000'000;
// 2025-07-18T17:01:36Z and 2025-01-27T22:44:56Z, from Python's
// datetime(..., tzinfo=timezone.utc).timestamp().
constexpr std::int64_t kJuly18 = 1752858096;
constexpr std::int64_t kJan27 = 1738017896;

// Each test runs under two zones: UTC and central Europe (a POSIX rule, so it
// needs no tz database): +01:00 in winter, +02:00 in summer, DST switching on
// 2025-03-30 at 02:00 -> 03:00 and on 2025-10-26 at 03:00 -> 02:00.
struct Zone {
  const char* tz;
  std::int64_t winter_offset;  // seconds east of UTC
  std::int64_t summer_offset;
};

class TimestampTest : public ::testing::TestWithParam<Zone> {
 protected:
  void SetUp() override {
    const char* old = std::getenv("TZ");
    if (old != nullptr) saved_tz_ = old;
    setenv("TZ", GetParam().tz, 1);
    tzset();
  }
  void TearDown() override {
    if (saved_tz_) {
      setenv("TZ", saved_tz_->c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  std::int64_t Winter() const { return GetParam().winter_offset; }
  std::int64_t Summer() const { return GetParam().summer_offset; }

  static std::int64_t Parse(const std::string& text) {
    auto r = ParseTimestamp(text);
    EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
    return r.ok() ? r.value() : 0;
  }

 private:
  std::optional<std::string> saved_tz_;
};

TEST_P(TimestampTest, FormatsLocalTimeInPythonIsoformatShape) {
  const std::int64_t ns = (kJuly18 - Summer()) * kSec + 799'608'000;
  EXPECT_EQ(FormatTimestamp(ns), "2025-07-18T17:01:36.799608");
}

TEST_P(TimestampTest, OmitsFractionWhenMicrosecondsAreZero) {
  EXPECT_EQ(FormatTimestamp((kJan27 - Winter()) * kSec), "2025-01-27T22:44:56");
  // Below a microsecond is truncated, like isoformat() of a datetime.
  EXPECT_EQ(FormatTimestamp((kJan27 - Winter()) * kSec + 999), "2025-01-27T22:44:56");
}

TEST_P(TimestampTest, TruncatesToMicrosecondsAndPadsTheFraction) {
  const std::int64_t base = (kJan27 - Winter()) * kSec;
  EXPECT_EQ(FormatTimestamp(base + 999'999'999), "2025-01-27T22:44:56.999999");
  EXPECT_EQ(FormatTimestamp(base + 1'000), "2025-01-27T22:44:56.000001");
}

TEST_P(TimestampTest, FormatsInstantsBeforeTheEpoch) {
  EXPECT_EQ(FormatTimestamp(-1 - Winter() * kSec), "1969-12-31T23:59:59.999999");
}

TEST_P(TimestampTest, ReadsTimeWithoutOffsetAsLocalTime) {
  EXPECT_EQ(Parse("2025-07-18T17:01:36.799608"), (kJuly18 - Summer()) * kSec + 799'608'000);
  EXPECT_EQ(Parse("2025-01-27T22:44:56"), (kJan27 - Winter()) * kSec);
}

TEST_P(TimestampTest, RoundTripsOpenHandsTimestamps) {
  for (const char* text : {"2025-01-27T22:44:56.900854", "2025-07-18T17:01:36.799608",
                           "2024-02-29T00:00:00.000001", "2025-12-31T23:59:59"}) {
    EXPECT_EQ(FormatTimestamp(Parse(text)), text);
  }
}

TEST_P(TimestampTest, HonoursZAndEveryOffsetForm) {
  const std::int64_t utc = kJuly18 * kSec;
  EXPECT_EQ(Parse("2025-07-18T17:01:36Z"), utc);
  EXPECT_EQ(Parse("2025-07-18T17:01:36z"), utc);
  EXPECT_EQ(Parse("2025-07-18T17:01:36+00:00"), utc);
  EXPECT_EQ(Parse("2025-07-18T19:01:36+02:00"), utc);
  EXPECT_EQ(Parse("2025-07-18T19:01:36+0200"), utc);
  EXPECT_EQ(Parse("2025-07-18T19:01:36+02"), utc);
  EXPECT_EQ(Parse("2025-07-18T11:31:36-05:30"), utc);
  EXPECT_EQ(Parse("2025-07-18T11:31:36-0530"), utc);
}

TEST_P(TimestampTest, AcceptsDateOnlyMinutesSpaceAndBasicForms) {
  const std::int64_t midnight = 1752796800 * kSec;  // 2025-07-18T00:00:00Z
  EXPECT_EQ(Parse("2025-07-18"), midnight - Summer() * kSec);
  EXPECT_EQ(Parse("2025-07-18T17:01Z"), (kJuly18 - 36) * kSec);
  EXPECT_EQ(Parse("2025-07-18T17Z"), (kJuly18 - 96) * kSec);
  EXPECT_EQ(Parse("2025-07-18 17:01:36Z"), kJuly18 * kSec);
  EXPECT_EQ(Parse("20250718T170136Z"), kJuly18 * kSec);
  EXPECT_EQ(Parse("20250718T1701Z"), (kJuly18 - 36) * kSec);
}

TEST_P(TimestampTest, ReadsFractionsOfAnyLength) {
  const std::int64_t utc = kJuly18 * kSec;
  EXPECT_EQ(Parse("2025-07-18T17:01:36.5Z"), utc + 500'000'000);
  EXPECT_EQ(Parse("2025-07-18T17:01:36,25Z"), utc + 250'000'000);
  EXPECT_EQ(Parse("2025-07-18T17:01:36.123456789Z"), utc + 123'456'789);
  EXPECT_EQ(Parse("2025-07-18T17:01:36.1234567891234Z"), utc + 123'456'789);
  EXPECT_EQ(Parse("2025-07-18T17:01:36.000000001+02:00"), utc - 7200 * kSec + 1);
}

TEST_P(TimestampTest, ReadsRepeatedLocalTimeAsTheEarlierInstantLikePython) {
  // 02:30 happens twice on 2025-10-26 in central Europe (00:30Z and 01:30Z).
  const std::int64_t earlier = 1761438600 * kSec;  // 2025-10-26T00:30:00Z
  const std::int64_t expected = Summer() == 0 ? earlier + 2 * 3600 * kSec : earlier;
  EXPECT_EQ(Parse("2025-10-26T02:30:00"), expected);
}

TEST_P(TimestampTest, ReadsSkippedLocalTimeWithTheOffsetBeforeTheSkip) {
  // 02:30 does not exist on 2025-03-30 in central Europe; Python reads it as
  // 02:30+01:00 = 01:30Z.
  const std::int64_t utc_0130 = 1743298200 * kSec;
  const std::int64_t expected = Summer() == 0 ? utc_0130 + 3600 * kSec : utc_0130;
  EXPECT_EQ(Parse("2025-03-30T02:30:00"), expected);
}

// The message names what was expected and where (0-based character).
void ExpectRejected(const std::string& text, const std::string& expected, std::size_t at) {
  auto r = ParseTimestamp(text);
  ASSERT_FALSE(r.ok()) << text;
  EXPECT_TRUE(r.status().IsInvalidArgument());
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find(expected), std::string::npos) << text << " -> " << msg;
  EXPECT_NE(msg.find("at character " + std::to_string(at)), std::string::npos)
      << text << " -> " << msg;
  EXPECT_NE(msg.find("\"" + text + "\""), std::string::npos) << msg;
}

TEST_P(TimestampTest, RejectsMalformedTextSayingWhatWasExpectedWhere) {
  ExpectRejected("", "a 4-digit year", 0);
  ExpectRejected("yesterday", "a 4-digit year", 0);
  ExpectRejected("2025-13-01", "a month 01-12", 5);
  ExpectRejected("2025-02-30", "a day 01-28", 8);
  ExpectRejected("2024-02-30", "a day 01-29", 8);
  ExpectRejected("2025-07-18X17:01", "'T' or ' '", 10);
  ExpectRejected("2025-07-18T25:00", "an hour 00-23", 11);
  ExpectRejected("2025-07-18T17:60", "minutes 00-59", 14);
  ExpectRejected("2025-07-18T17:01:61", "seconds 00-59", 17);
  ExpectRejected("2025-07-18T17:01:36.", "a digit after the decimal point", 20);
  ExpectRejected("2025-07-18T17:01:36+2", "offset hours 00-23", 20);
  ExpectRejected("2025-07-18T17:01:36+02:7", "offset minutes 00-59", 23);
  ExpectRejected("2025-07-18T17:01:36Zjunk", "the end of the timestamp", 20);
  ExpectRejected("2025-07-18T", "an hour 00-23", 11);
  ExpectRejected("2025-07-18T17:01:36 UTC", "an offset", 19);
}

TEST_P(TimestampTest, RejectsYearsOutsideWhatNanosecondsHold) {
  auto r = ParseTimestamp("1500-01-01T00:00:00Z");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1678"), std::string::npos) << r.status().message();
  EXPECT_FALSE(ParseTimestamp("2300-01-01").ok());
}

TEST_P(TimestampTest, ReadsEveryFourDigitYearAsAWideInstant) {
  auto far = ParseWideTimestamp("9999-12-31T23:59:59.5Z");
  ASSERT_TRUE(far.ok()) << far.status().ToString();
  EXPECT_EQ(far->seconds, 253402300799);  // Python: datetime(9999,12,31,23,59,59,tzinfo=utc)
  EXPECT_EQ(far->nanos, 500'000'000);
  auto first = ParseWideTimestamp("0000-01-01T00:00:00Z");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->seconds, -62167219200);  // proleptic Gregorian year 0
  auto local = ParseWideTimestamp("9999-12-31T23:59:59");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(local->seconds, 253402300799 - Winter());
  // Within int64 nanoseconds it names what ParseTimestamp names.
  auto near = ParseWideTimestamp("2025-07-18T17:01:36.799608");
  ASSERT_TRUE(near.ok());
  EXPECT_EQ(ClampToNanos(*near), Parse("2025-07-18T17:01:36.799608"));
  EXPECT_FALSE(ParseWideTimestamp("9999-12-32").ok());
}

TEST(TimestampClampTest, ClampsToWhatInt64NanosecondsHold) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  EXPECT_EQ(ClampToNanos({253402300799, 0}), kMax);
  EXPECT_EQ(ClampToNanos({-62167219200, 0}), kMin);
  // The last and the first instant that fit, and one past each.
  EXPECT_EQ(ClampToNanos({9223372036, 854775807}), kMax);
  EXPECT_EQ(ClampToNanos({9223372036, 854775806}), kMax - 1);
  EXPECT_EQ(ClampToNanos({-9223372037, 145224192}), kMin);
  EXPECT_EQ(ClampToNanos({-9223372037, 145224193}), kMin + 1);
  EXPECT_EQ(ClampToNanos({-9223372037, 145224191}), kMin);
  EXPECT_EQ(ClampToNanos({-1, 999'999'999}), -1);
  EXPECT_EQ(ClampToNanos({kJuly18, 5}), kJuly18 * kSec + 5);
}

TEST_P(TimestampTest, NowIsCloseToTheSystemClock) {
  const std::int64_t now = NowNanos();
  const std::int64_t wall = static_cast<std::int64_t>(std::time(nullptr));
  EXPECT_LE(std::abs(now / kSec - wall), 2);
}

INSTANTIATE_TEST_SUITE_P(Zones, TimestampTest,
                         ::testing::Values(Zone{"UTC0", 0, 0},
                                           Zone{"CET-1CEST,M3.5.0,M10.5.0/3", 3600, 7200}),
                         [](const ::testing::TestParamInfo<Zone>& info) {
                           return info.param.winter_offset == 0 ? std::string("Utc")
                                                                : std::string("CentralEurope");
                         });

}  // namespace
}  // namespace evbus
