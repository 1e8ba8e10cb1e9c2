// Timestamps: int64 nanoseconds since the Unix epoch inside evbus; ISO 8601
// text at the edges, written as OpenHands writes them (Python's
// datetime.now().isoformat(): local time, no offset, microseconds, and the
// fraction omitted when it is zero: "2025-07-18T17:01:36.799608").
#ifndef EVBUS_CORE_TIMESTAMP_H_
#define EVBUS_CORE_TIMESTAMP_H_

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
// Years 1678-2261 (what int64 nanoseconds hold). Local times go through
// localtime_r (thread-safe; call tzset() after changing TZ) and mean what
// Python's datetime means (fold=0): a time that DST repeats is the earlier of
// its two instants, one that DST skips is read with the offset before the skip. Errors
// (InvalidArgument) say what was expected at which character (0-based) and show a valid example.
Result<std::int64_t> ParseTimestamp(std::string_view text);

}  // namespace evbus

#endif  // EVBUS_CORE_TIMESTAMP_H_
