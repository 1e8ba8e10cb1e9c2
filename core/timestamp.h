// Timestamps: int64 nanoseconds since the Unix epoch inside evbus; ISO 8601
// text at the edges, written as OpenHands writes them (Python's
// datetime.now().isoformat(): local time, no offset, microseconds, and the
// fraction omitted when it is zero: "2025-07-18T17:01:36.799608").
#ifndef EVBUS_CORE_TIMESTAMP_H_
#define EVBUS_CORE_TIMESTAMP_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace evbus {

// Wall clock now, ns since the epoch.
std::int64_t NowNanos();

// Local time, OpenHands' isoformat() shape (microsecond precision, truncated).
std::string FormatTimestamp(std::int64_t ns_since_epoch);

// Any ISO 8601 date-time: "2025-07-18", "2025-07-18T17:01", "...:36",
// "...:36.7996081234", with "Z" or "+02:00"/"-0530"/"+02" or no offset (local
// time). Separator 'T' or ' '; basic forms ("20250718T170136") too. A
// fraction may have any number of digits; beyond 9 they are truncated.
// Years 1678-2261 (what int64 nanoseconds hold; see ParseWideTimestamp for
// any year 0000-9999). Local times go through
// localtime_r (thread-safe; call tzset() after changing TZ) and mean what
// Python's datetime means (fold=0): a time that DST repeats is the earlier of
// its two instants, one that DST skips is read with the offset before the skip. Errors
// (InvalidArgument) say what was expected at which character (0-based) and show a valid example.
Result<std::int64_t> ParseTimestamp(std::string_view text);

// An instant as whole seconds since the epoch and nanoseconds into that
// second (0-999999999): every text ParseTimestamp reads has one, also the
// years int64 nanoseconds do not hold (0000-1677, 2262-9999).
struct WideTimestamp {
  std::int64_t seconds = 0;
  std::int64_t nanos = 0;
  friend auto operator<=>(const WideTimestamp&, const WideTimestamp&) = default;
};

// ParseTimestamp without the range check: for a bound of a range, where
// "9999-12-31T23:59:59" is a common way to say "no end" (OpenHands accepts
// it). Errors are ParseTimestamp's.
Result<WideTimestamp> ParseWideTimestamp(std::string_view text);

// `t` in ns since the epoch, clamped to what int64 holds: an instant after
// 2262-04-11T23:47:16.854775807Z gives INT64_MAX, one before
// 1677-09-21T00:12:43.145224192Z gives INT64_MIN.
std::int64_t ClampToNanos(const WideTimestamp& t);

// FormatTimestamp prints microseconds, truncated as Python's isoformat()
// does: the instants of one printed text are [first, first + 999] ns.
inline constexpr std::int64_t kPrintedResolutionNanos = 1000;

}  // namespace evbus

#endif  // EVBUS_CORE_TIMESTAMP_H_
