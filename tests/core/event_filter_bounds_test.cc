// EventFilter date bounds at their edges, as a user meets them: a bound
// copied from a printed event includes that event (evbus prints timestamps
// to the microsecond but keeps nanoseconds), and far dates such as
// 9999-12-31T23:59:59 are bounds like any other, as in OpenHands.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>
#include <string_view>

#include "core/event_filter.h"
#include "core/event_meta.h"
#include "core/event_types.h"
#include "core/timestamp.h"

namespace evbus {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

std::int64_t Ns(std::string_view iso) {
  Result<std::int64_t> ns = ParseTimestamp(iso);
  EXPECT_TRUE(ns.ok()) << iso << ": " << ns.status().ToString();
  return ns.ok() ? ns.value() : 0;
}

EventMeta MetaAtNs(std::int64_t ns) {
  EventMeta meta;
  meta.id = 0;
  meta.type = AllEventTypes().front().id;
  meta.source = Source::kAgent;
  meta.timestamp_ns = ns;
  return meta;
}

// Whether a filter from `start`..`end` ("" = unset) matches an event at `ns`;
// a filter that cannot be made fails the test.
bool Matches(const std::string& start, const std::string& end, std::int64_t ns) {
  Result<EventFilter> filter =
      EventFilter::Make(EventFilterSpec().WithStartDate(start).WithEndDate(end));
  EXPECT_TRUE(filter.ok()) << start << " .. " << end << ": " << filter.status().ToString();
  return filter.ok() && filter->MatchesMeta(MetaAtNs(ns));
}

// Events stamped by evbus carry nanoseconds; what a user sees is the
// microsecond text. Each bound below is exactly that text.
TEST(EventFilterBoundsTest, BoundEqualToThePrintedTimestampIncludesTheEvent) {
  const std::int64_t second = Ns("2025-07-18T17:01:36");
  for (const std::int64_t sub :
       {std::int64_t{689'773'456}, std::int64_t{1}, std::int64_t{999'999'999}, std::int64_t{999}}) {
    const std::int64_t ns = second + sub;
    const std::string printed = FormatTimestamp(ns);
    SCOPED_TRACE(printed);
    EXPECT_TRUE(Matches("", printed, ns));
    EXPECT_TRUE(Matches(printed, "", ns));
    EXPECT_TRUE(Matches(printed, printed, ns));
    // The microsecond before and after the printed one stay outside.
    EXPECT_FALSE(Matches("", FormatTimestamp(ns - 1'000), ns));
    EXPECT_FALSE(Matches(FormatTimestamp(ns + 1'000), "", ns));
  }
}

// Bounds finer than a microsecond are compared with the printed text, as
// OpenHands' string compare does: "…36.689773" sorts before "…36.6897735".
TEST(EventFilterBoundsTest, SubMicrosecondBoundsCompareWithThePrintedMicrosecond) {
  const std::int64_t ns = Ns("2025-07-18T17:01:36") + 689'773'900;  // printed .689773
  EXPECT_FALSE(Matches("2025-07-18T17:01:36.6897735", "", ns));
  EXPECT_TRUE(Matches("", "2025-07-18T17:01:36.6897735", ns));
  EXPECT_TRUE(Matches("2025-07-18T17:01:36.689773000", "2025-07-18T17:01:36.689773", ns));
  // Two bounds inside one microsecond, after its printed start: nothing.
  EXPECT_FALSE(Matches("2025-07-18T17:01:36.6897731", "2025-07-18T17:01:36.6897739", ns));
}

// The bounds a store prunes pages with are the same ones MatchesMeta uses:
// every timestamp printed as the bound lies in [start_ns, end_ns].
TEST(EventFilterBoundsTest, CompiledBoundsCoverTheWholePrintedMicrosecond) {
  const std::string printed = "2025-07-18T17:01:36.689773";
  Result<EventFilter> filter =
      EventFilter::Make(EventFilterSpec().WithStartDate(printed).WithEndDate(printed));
  ASSERT_TRUE(filter.ok()) << filter.status().ToString();
  EXPECT_EQ(*filter->start_ns(), Ns(printed));
  EXPECT_EQ(*filter->end_ns(), Ns(printed) + 999);
}

TEST(EventFilterBoundsTest, FarFutureDatesAreBoundsNotErrors) {
  const std::int64_t now = NowNanos();
  for (const char* far : {"9999-12-31T23:59:59", "9999-12-31T23:59:59.999999", "9999-12-31",
                          "2262-04-12T00:00:00Z", "3000-01-01T00:00:00+02:00"}) {
    SCOPED_TRACE(far);
    EXPECT_TRUE(Matches("", far, now));   // as good as no end
    EXPECT_TRUE(Matches("", far, kMax));  // the latest instant evbus can hold
    EXPECT_FALSE(Matches(far, "", now));  // nothing is that late
  }
}

TEST(EventFilterBoundsTest, FarPastDatesAreBoundsNotErrors) {
  const std::int64_t now = NowNanos();
  for (const char* far :
       {"0001-01-01T00:00:00", "0000-01-01", "1677-09-21T00:00:00Z", "1000-06-15T12:00:00-05:00"}) {
    SCOPED_TRACE(far);
    EXPECT_TRUE(Matches(far, "", now));   // as good as no start
    EXPECT_TRUE(Matches(far, "", kMin));  // the earliest instant evbus can hold
    EXPECT_FALSE(Matches("", far, now));  // nothing is that early
  }
  EXPECT_TRUE(Matches("0001-01-01T00:00:00", "9999-12-31T23:59:59", now));
}

// Clamping must not hide a reversed range: two far bounds are still compared
// as the instants they name.
TEST(EventFilterBoundsTest, FarBoundsInTheWrongOrderAreStillRefused) {
  for (const auto& [start, end] :
       {std::pair<const char*, const char*>{"9999-12-31T23:59:59", "9999-12-31T23:59:58"},
        {"0001-01-02", "0001-01-01"},
        {"9999-01-01", "2025-07-18"}}) {
    Result<EventFilter> filter =
        EventFilter::Make(EventFilterSpec().WithStartDate(start).WithEndDate(end));
    ASSERT_FALSE(filter.ok()) << start << " .. " << end;
    EXPECT_TRUE(filter.status().IsInvalidArgument());
    EXPECT_NE(filter.status().message().find("after"), std::string::npos)
        << filter.status().message();
  }
}

// docs/compat.md: in the hour DST repeats, a bound without an offset is the
// earlier instant (as Python reads it); an offset picks the later one.
TEST(EventFilterBoundsTest, RepeatedLocalHourNeedsAnOffsetForItsSecondPass) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
  tzset();
  const std::int64_t second_pass = Ns("2025-10-26T01:30:00Z");  // 02:30 local, again
  EXPECT_EQ(FormatTimestamp(second_pass), "2025-10-26T02:30:00");
  EXPECT_FALSE(Matches("", "2025-10-26T02:30:00", second_pass));
  EXPECT_TRUE(Matches("", "2025-10-26T02:30:00+01:00", second_pass));
  EXPECT_TRUE(Matches("2025-10-26T02:30:00", "", second_pass));
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

}  // namespace
}  // namespace evbus
