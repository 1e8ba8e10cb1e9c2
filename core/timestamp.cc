// Timestamps: ISO 8601 text <-> ns since the Unix epoch.
//
// Local time goes through localtime_r only (never localtime, mktime or
// timegm, which share static state or re-read TZ in a way that races with
// other threads): a wall-clock time is turned into an instant by asking
// localtime_r for the UTC offset in force, twice, see LocalToUtc below.
#include "core/timestamp.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>

namespace evbus {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
// well-known days_from_civil algorithm, written out from its description).
std::int64_t DaysFromCivil(std::int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;                              // [0, 399]
  const std::int64_t day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;  // [0, 365]
  const std::int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;  // [0, 146096]
  return era * 146097 + day_of_era - 719468;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// The UTC offset (seconds east of UTC) of the local zone at instant `t`.
bool LocalOffsetAt(std::int64_t t, std::int64_t* offset) {
  const auto seconds = static_cast<std::time_t>(t);
  std::tm tm{};
  if (localtime_r(&seconds, &tm) == nullptr) return false;
  *offset = tm.tm_gmtoff;
  return true;
}

// Wall-clock seconds (as if the local zone were UTC) to an instant, as
// Python's datetime does for a naive local time (fold=0). The offsets a day
// before and a day after bracket the instant (zones change offset at most
// once a day); the first of them that maps back to `wall` wins, so a time
// that DST repeats gets the earlier instant. A time that DST skips maps back
// under neither and is read with the offset in force before the skip.
bool LocalToUtc(std::int64_t wall, std::int64_t* utc) {
  std::int64_t before = 0;
  std::int64_t after = 0;
  if (!LocalOffsetAt(wall - kSecondsPerDay, &before) ||
      !LocalOffsetAt(wall + kSecondsPerDay, &after)) {
    return false;
  }
  for (const std::int64_t offset : {before, after}) {
    std::int64_t actual = 0;
    if (!LocalOffsetAt(wall - offset, &actual)) return false;
    if (actual == offset) {
      *utc = wall - offset;
      return true;
    }
  }
  *utc = wall - before;
  return true;
}

// A cursor over the text with ISO 8601 building blocks. Every failure
// records what was expected and where (0-based character index).
class TimestampParser {
 public:
  explicit TimestampParser(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool PeekDigit() const { return Peek() >= '0' && Peek() <= '9'; }
  bool Accept(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }

  // Exactly `count` digits whose value lies in [min, max].
  bool Number(int count, int min, int max, const char* what, int* value) {
    const std::size_t start = pos_;
    int v = 0;
    for (int i = 0; i < count; ++i) {
      if (!PeekDigit()) return Fail(start, what);
      v = v * 10 + (text_[pos_++] - '0');
    }
    if (v < min || v > max) return Fail(start, what);
    *value = v;
    return true;
  }

  // One or more digits; the first nine give nanoseconds, more are truncated.
  bool Fraction(std::int64_t* nanos) {
    if (!PeekDigit()) return Fail(pos_, "a digit after the decimal point");
    std::int64_t value = 0;
    int digits = 0;
    for (; PeekDigit(); ++pos_) {
      if (digits < 9) value = value * 10 + (text_[pos_] - '0');
      ++digits;
    }
    for (; digits < 9; ++digits) value *= 10;
    *nanos = value;
    return true;
  }

  bool Fail(std::size_t at, const char* expected) {
    error_ = "invalid timestamp \"" + std::string(text_) + "\": expected " + expected +
             " at character " + std::to_string(at) +
             "; use ISO 8601 such as \"2025-07-18T17:01:36.799608\" or \"2025-07-18 17:01Z\"";
    return false;
  }
  std::size_t pos() const { return pos_; }
  std::string TakeError() { return std::move(error_); }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
  std::string error_;
};

struct ParsedTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::int64_t nanos = 0;
  bool has_offset = false;
  std::int64_t offset_seconds = 0;  // east of UTC
};

// YYYY-MM-DD or YYYYMMDD.
bool ParseDate(TimestampParser& p, ParsedTime* t) {
  if (!p.Number(4, 0, 9999, "a 4-digit year", &t->year)) return false;
  const bool extended = p.Accept('-');
  if (!p.Number(2, 1, 12, "a month 01-12", &t->month)) return false;
  if (extended && !p.Accept('-')) return p.Fail(p.pos(), "'-' between month and day");
  const int last_day = DaysInMonth(t->year, t->month);
  const std::string what = "a day 01-" + std::to_string(last_day);
  return p.Number(2, 1, last_day, what.c_str(), &t->day);
}

// hh[:mm[:ss[.fffffffff]]] or hh[mm[ss[.fff]]]; ',' also marks a fraction.
bool ParseTime(TimestampParser& p, ParsedTime* t) {
  if (!p.Number(2, 0, 23, "an hour 00-23", &t->hour)) return false;
  const bool extended = p.Peek() == ':';
  if (!(extended ? p.Accept(':') : p.PeekDigit())) return true;
  if (!p.Number(2, 0, 59, "minutes 00-59", &t->minute)) return false;
  if (!(extended ? p.Accept(':') : p.PeekDigit())) return true;
  if (!p.Number(2, 0, 59, "seconds 00-59", &t->second)) return false;
  if (p.Accept('.') || p.Accept(',')) return p.Fraction(&t->nanos);
  return true;
}

// Z, +hh, +hhmm, +hh:mm (or '-').
bool ParseOffset(TimestampParser& p, ParsedTime* t) {
  if (p.Accept('Z') || p.Accept('z')) {
    t->has_offset = true;
    return true;
  }
  const bool negative = p.Peek() == '-';
  if (!p.Accept('+') && !p.Accept('-')) {
    return p.Fail(p.pos(), "the end, 'Z', or an offset such as +02:00, +0200 or +02");
  }
  int hours = 0;
  int minutes = 0;
  if (!p.Number(2, 0, 23, "offset hours 00-23", &hours)) return false;
  if (p.Accept(':') || p.PeekDigit()) {
    if (!p.Number(2, 0, 59, "offset minutes 00-59", &minutes)) return false;
  }
  t->has_offset = true;
  t->offset_seconds = (negative ? -1 : 1) * (hours * 3600 + minutes * 60);
  return true;
}

}  // namespace

std::int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string FormatTimestamp(std::int64_t ns_since_epoch) {
  std::int64_t seconds = ns_since_epoch / kNanosPerSecond;
  std::int64_t sub_second = ns_since_epoch % kNanosPerSecond;
  if (sub_second < 0) {  // floor, so that times before 1970 count forward
    sub_second += kNanosPerSecond;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) gmtime_r(&t, &tm);
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  const std::int64_t micros = sub_second / 1000;
  if (micros != 0 && n > 0 && static_cast<std::size_t>(n) < sizeof(buf)) {
    n += std::snprintf(buf + n, sizeof(buf) - static_cast<std::size_t>(n), ".%06lld",
                       static_cast<long long>(micros));
  }
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

Result<WideTimestamp> ParseWideTimestamp(std::string_view text) {
  TimestampParser p(text);
  ParsedTime t;
  bool ok = ParseDate(p, &t);
  if (ok && !p.AtEnd()) {
    if (p.Accept('T') || p.Accept('t') || p.Accept(' ')) {
      ok = ParseTime(p, &t) && (p.AtEnd() || ParseOffset(p, &t));
    } else {
      ok = p.Fail(p.pos(), "the end or 'T' or ' ' before the time");
    }
  }
  if (ok && !p.AtEnd()) ok = p.Fail(p.pos(), "the end of the timestamp");
  if (!ok) return Status::InvalidArgument(p.TakeError());

  const std::int64_t wall = DaysFromCivil(t.year, t.month, t.day) * kSecondsPerDay + t.hour * 3600 +
                            t.minute * 60 + t.second;
  std::int64_t utc = wall - t.offset_seconds;
  if (!t.has_offset && !LocalToUtc(wall, &utc)) {
    return Status::InvalidArgument("timestamp \"" + std::string(text) +
                                   "\" cannot be placed in the local time zone (TZ); give an "
                                   "explicit offset such as \"Z\" or \"+02:00\"");
  }
  return WideTimestamp{utc, t.nanos};
}

std::int64_t ClampToNanos(const WideTimestamp& t) {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  // kMax = kMaxSeconds s + kMaxNanos ns; kMin = kMinSeconds s + kMinNanos ns.
  constexpr std::int64_t kMaxSeconds = kMax / kNanosPerSecond;
  constexpr std::int64_t kMaxNanos = kMax % kNanosPerSecond;
  constexpr std::int64_t kMinSeconds = kMin / kNanosPerSecond - 1;
  constexpr std::int64_t kMinNanos = kMin % kNanosPerSecond + kNanosPerSecond;
  if (t.seconds > kMaxSeconds || (t.seconds == kMaxSeconds && t.nanos > kMaxNanos)) return kMax;
  if (t.seconds < kMinSeconds || (t.seconds == kMinSeconds && t.nanos < kMinNanos)) return kMin;
  if (t.seconds == kMinSeconds) return kMin + (t.nanos - kMinNanos);  // kMinSeconds * 1e9 < kMin
  return t.seconds * kNanosPerSecond + t.nanos;
}

Result<std::int64_t> ParseTimestamp(std::string_view text) {
  Result<WideTimestamp> wide = ParseWideTimestamp(text);
  if (!wide.ok()) return wide.status();
  const std::int64_t ns = ClampToNanos(*wide);
  if (ns == std::numeric_limits<std::int64_t>::max() ||
      ns == std::numeric_limits<std::int64_t>::min()) {
    return Status::InvalidArgument("timestamp \"" + std::string(text) +
                                   "\" is outside the range evbus stores (years 1678 to 2261)");
  }
  return ns;
}

}  // namespace evbus
