#include "core/json_append.h"

#include <charconv>
#include <cstring>
#include <ctime>

#include "core/timestamp.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace evbus {
namespace {

// rapidjson's escape table: 0 = copy, else the letter after the backslash.
constexpr char kEscape[32] = {'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n',
                              'u', 'f', 'r', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
                              'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u'};

bool NeedsEscape(unsigned char c) noexcept { return c < 0x20 || c == '"' || c == '\\'; }

void AppendEscape(unsigned char c, std::string* out) {
  if (c == '"' || c == '\\') {
    const char pair[2] = {'\\', static_cast<char>(c)};
    out->append(pair, 2);
    return;
  }
  const char letter = kEscape[c];
  if (letter != 'u') {
    const char pair[2] = {'\\', letter};
    out->append(pair, 2);
    return;
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char seq[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  out->append(seq, 6);
}

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

}  // namespace

std::size_t FindJsonEscape(std::string_view text, std::size_t from) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = from;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control_max = _mm_set1_epi8(0x1F);
  for (; i + 16 <= n; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    // x <= 0x1F (unsigned) <=> max(x, 0x1F) == 0x1F.
    const __m128i control = _mm_cmpeq_epi8(_mm_max_epu8(v, control_max), control_max);
    const __m128i hits =
        _mm_or_si128(control, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)));
    const int mask = _mm_movemask_epi8(hits);
    if (mask != 0) return i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  for (; i < n; ++i) {
    if (NeedsEscape(p[i])) return i;
  }
  return n;
}

void AppendJsonQuoted(std::string_view text, std::string* out) {
  out->reserve(out->size() + text.size() + 2);
  out->push_back('"');
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t stop = FindJsonEscape(text, i);
    out->append(text.data() + i, stop - i);
    if (stop == text.size()) break;
    AppendEscape(static_cast<unsigned char>(text[stop]), out);
    i = stop + 1;
  }
  out->push_back('"');
}

void AppendJsonInt(std::int64_t value, std::string* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof(buf), value);
  out->append(buf, static_cast<std::size_t>(r.ptr - buf));
}

void AppendTimestampText(std::int64_t ns_since_epoch, std::string* out) {
  std::int64_t seconds = ns_since_epoch / kNanosPerSecond;
  std::int64_t sub_second = ns_since_epoch % kNanosPerSecond;
  if (sub_second < 0) {  // floor, as FormatTimestamp does
    sub_second += kNanosPerSecond;
    --seconds;
  }
  // The whole-second text ("YYYY-MM-DDTHH:MM:SS", no fraction) of the last
  // second this thread wrote: the same second has the same local time, as
  // long as the zone is the same (tzset() changes these globals).
  struct Cache {
    std::int64_t second = INT64_MIN;
    long zone_offset = 0;
    const char* zone_names[2] = {nullptr, nullptr};
    std::string text;
  };
  thread_local Cache cache;
  if (seconds != cache.second || ::timezone != cache.zone_offset ||
      ::tzname[0] != cache.zone_names[0] || ::tzname[1] != cache.zone_names[1]) {
    cache.text = FormatTimestamp(seconds * kNanosPerSecond);
    cache.second = seconds;
    cache.zone_offset = ::timezone;
    cache.zone_names[0] = ::tzname[0];
    cache.zone_names[1] = ::tzname[1];
  }
  const std::string& cached_text = cache.text;
  out->append(cached_text);
  const std::int64_t micros = sub_second / 1000;
  if (micros == 0) return;
  char frac[7] = {'.', '0', '0', '0', '0', '0', '0'};
  std::int64_t v = micros;
  for (int d = 6; d >= 1; --d) {
    frac[d] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(frac, sizeof(frac));
}

}  // namespace evbus
