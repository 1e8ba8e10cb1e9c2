// ParseEvent: OpenHands event JSON -> Event, in one rapidjson SAX pass.
//
// Top-level metadata is type-checked and converted as it streams by; nested
// values (args, extras, tool_call_metadata, llm_metrics, unknown keys) are
// written straight back out as compact JSON text by a CaptureText
// (core/event_parse_capture.h), so ints stay ints and nothing is built in a
// DOM. Numbers reach the handler as text
// and are converted by core/json_number.h, not by rapidjson. The reader
// parses a per-thread copy of the text in place (no copy of each string onto
// the reader's stack); one pass makes that copy and notes on the way whether
// the text holds a NUL byte, a byte above 0x7F or a \u escape. Type
// errors name the field and the byte offset of its value: where the reader
// decoded the key, past the key's closing quote, ':' and whitespace.
//
// Fields of the other kind (content/extras/success on an action, args/timeout
// on an observation) are checked like the rest and then kept as unknown
// fields, in their place among them, since OpenHands ignores them.
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <cstring>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/event.h"
#include "core/event_parse_handler.h"
#include "core/json_text_writer.h"

namespace evbus {
namespace {

// JSON text of a kind-specific field that becomes an unknown field.
std::string StringJson(std::string_view text) {
  std::string json;
  StringAppendStream stream(&json);
  WriterStackBuffer stack;
  JsonTextWriter writer(stream, &stack.allocator);
  writer.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
  return json;
}

// Puts a member that turned out to be unknown (a field of the other kind)
// among the unknown fields, in the order it had in the object.
void InsertUnknown(ParsedParts& parts, int order, std::string key, std::string json, Event* event) {
  const auto at = std::upper_bound(parts.unknown_order.begin(), parts.unknown_order.end(), order);
  const auto index = at - parts.unknown_order.begin();
  parts.unknown_order.insert(at, order);
  event->unknown_fields.insert(event->unknown_fields.begin() + index,
                               {std::move(key), std::move(json)});
}

// An action keeps content/extras/success (and a losing "observation" tag) as
// unknown fields; an observation keeps args/timeout.
void MoveOtherKindFields(ParsedParts& parts, Event* event) {
  if (event->is_action()) {
    if (parts.observation_order >= 0) {
      InsertUnknown(parts, parts.observation_order, "observation",
                    StringJson(parts.observation_tag), event);
    }
    if (parts.content_order >= 0) {
      InsertUnknown(parts, parts.content_order, "content", StringJson(event->content), event);
    }
    if (parts.extras_order >= 0) {
      InsertUnknown(parts, parts.extras_order, "extras", std::move(event->extras_json), event);
    }
    if (event->success) {
      InsertUnknown(parts, parts.success_order, "success", *event->success ? "true" : "false",
                    event);
    }
    event->content.clear();
    event->extras_json.clear();
    event->success.reset();
    return;
  }
  if (parts.args_order >= 0) {
    InsertUnknown(parts, parts.args_order, "args", std::move(event->args_json), event);
  }
  if (event->timeout) {
    std::string text;
    AppendPythonFloat(*event->timeout, &text);
    InsertUnknown(parts, parts.timeout_order, "timeout", std::move(text), event);
  }
  event->args_json.clear();
  event->timeout.reset();
}

// Decides the kind and type once every member has been seen.
Status Finish(ParsedParts& parts, Event* event) {
  const bool is_action = parts.action_order >= 0;
  if (!is_action && parts.observation_order < 0) {
    return Status::InvalidArgument(
        "event has neither \"action\" nor \"observation\" (the object at offset " +
        std::to_string(parts.root_offset) +
        "): add \"action\": \"<tag>\" or \"observation\": \"<tag>\", e.g. \"action\": \"run\"");
  }
  const EventKind kind = is_action ? EventKind::kAction : EventKind::kObservation;
  const std::string& tag = is_action ? parts.action_tag : parts.observation_tag;
  auto type = EventTypeFromTag(kind, tag);
  if (!type.ok()) {
    const std::size_t offset = is_action ? parts.action_offset : parts.observation_offset;
    return Status::InvalidArgument("field \"" + std::string(EventKindName(kind)) + "\" at offset " +
                                   std::to_string(offset) + ": " + type.status().message());
  }
  event->type = type.value();
  event->hidden = is_action ? parts.args_hidden : parts.extras_hidden;
  MoveOtherKindFields(parts, event);
  return Status::OK();
}

constexpr std::size_t kKeptInsituCapacity = 1 << 20;

// No event holds a number with hundreds of digits (Python writes at most 17
// significant digits of a float), so a number with a run of more than
// kMaxNumberDigits digits is refused before rapidjson sees it: its reader
// counts fraction digits in an int, and its full-precision conversion (no
// longer used, see core/json_number.h) read far out of bounds on such a
// number (found by fuzz/event_parse_fuzz). Long digit runs inside strings
// are fine.
constexpr std::size_t kMaxNumberDigits = 100;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// True when `json` holds a run of more than kMaxNumberDigits digits. Such a
// run covers kMaxNumberDigits + 1 consecutive offsets, so it holds an offset
// that is one less than a multiple of that: only those are looked at, and a
// digit there is measured both ways.
bool HasLongDigitRun(std::string_view json) {
  constexpr std::size_t kRun = kMaxNumberDigits + 1;
  for (std::size_t j = kRun - 1; j < json.size(); j += kRun) {
    if (!IsDigit(json[j])) continue;
    std::size_t first = j, last = j;
    while (first > 0 && IsDigit(json[first - 1])) --first;
    while (last + 1 < json.size() && IsDigit(json[last + 1])) ++last;
    if (last - first + 1 >= kRun) return true;
  }
  return false;
}

// Offset of a too-long number, or npos. The fast scan looks for any long
// digit run; only when it finds one does a string-aware scan decide.
std::size_t FindOverlongNumber(std::string_view json) {
  if (!HasLongDigitRun(json)) return std::string_view::npos;
  bool in_string = false;
  std::size_t run = 0;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    run = (c >= '0' && c <= '9') ? run + 1 : 0;
    if (run > kMaxNumberDigits) return i + 1 - run;
  }
  return std::string_view::npos;
}

// rapidjson 1.1.0 decodes a \u escape of a lone low surrogate (\udc00 to
// \udfff without a high one just before; a lone high one it refuses) into
// the bytes ED B0-BF xx, which are not UTF-8: EventToJson would write them
// as they are, and no parser, ParseEvent included, reads that text back.
// Offset of the first such escape, or npos. One pass over the backslashes,
// which in valid JSON occur only in strings; each escape is stepped over
// whole, so an escaped backslash followed by "udc00" is not one.
std::size_t FindLoneLowSurrogate(std::string_view json) {
  std::size_t pair_end = std::string_view::npos;  // where a high surrogate's escape ends
  for (std::size_t i = json.find('\\'); i != std::string_view::npos && i + 1 < json.size();) {
    if (json[i + 1] != 'u' || i + 6 > json.size()) {
      i = json.find('\\', i + 2);
      continue;
    }
    unsigned code = 0;
    for (std::size_t k = i + 2; k < i + 6; ++k) {
      const char c = json[k];
      const int digit = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
      code = digit < 0 ? 0x10000 : code * 16 + static_cast<unsigned>(digit);  // 0x10000: not hex
    }
    if (code >= 0xDC00 && code <= 0xDFFF && i != pair_end) return i;
    pair_end = code >= 0xD800 && code <= 0xDBFF ? i + 6 : std::string_view::npos;
    i = json.find('\\', i + 6);
  }
  return std::string_view::npos;
}

// What one pass over the input finds while copying it for the in-place
// reader (16 bytes per step with SSE2).
struct InputScan {
  bool has_nul = false;       // a NUL byte: the in-place reader would stop there
  bool ascii = true;          // no byte above 0x7F
  bool has_u_escape = false;  // a '\\' followed by 'u' (maybe an escaped backslash)
};

void ScanByte(const char* in, std::size_t i, std::size_t n, InputScan* scan) {
  const char c = in[i];
  scan->has_nul |= c == '\0';
  scan->ascii &= static_cast<unsigned char>(c) < 0x80;
  scan->has_u_escape |= c == '\\' && i + 1 < n && in[i + 1] == 'u';
}

// Copies json to `out` (json.size() bytes) and scans it on the way.
InputScan CopyAndScan(std::string_view json, char* out) {
  const char* in = json.data();
  const std::size_t n = json.size();
  InputScan scan;
  std::size_t i = 0;
#if defined(__SSE2__)
  const __m128i zero = _mm_setzero_si128();
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i u = _mm_set1_epi8('u');
  __m128i high = zero, nul = zero, u_escape = zero;
  for (; i + 17 <= n; i += 16) {  // +1: the byte after the block is read too
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    const __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i + 1));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), v);
    high = _mm_or_si128(high, v);
    nul = _mm_or_si128(nul, _mm_cmpeq_epi8(v, zero));
    u_escape = _mm_or_si128(u_escape,
                            _mm_and_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(next, u)));
  }
  scan.ascii = _mm_movemask_epi8(high) == 0;
  scan.has_nul = _mm_movemask_epi8(nul) != 0;
  scan.has_u_escape = _mm_movemask_epi8(u_escape) != 0;
#endif
  for (; i < n; ++i) {
    out[i] = in[i];
    ScanByte(in, i, n, &scan);
  }
  return scan;
}

// Refuses what the in-place reader must not see.
Status CheckInput(std::string_view json, const InputScan& scan) {
  // The in-place reader stops at a NUL byte, which JSON never allows raw.
  if (scan.has_nul) {
    const auto offset =
        static_cast<const char*>(std::memchr(json.data(), '\0', json.size())) - json.data();
    return Status::InvalidArgument("invalid JSON at offset " + std::to_string(offset) +
                                   ": a NUL byte (write it as \\u0000 inside a string)");
  }
  if (std::size_t at = FindOverlongNumber(json); at != std::string_view::npos) {
    return Status::InvalidArgument("invalid JSON at offset " + std::to_string(at) +
                                   ": a number with more than " + std::to_string(kMaxNumberDigits) +
                                   " digits in a row; write it as a string");
  }
  // Only a text with a \u escape can hold a lone surrogate.
  if (std::size_t at = scan.has_u_escape ? FindLoneLowSurrogate(json) : std::string_view::npos;
      at != std::string_view::npos) {
    return Status::InvalidArgument(
        "invalid JSON at offset " + std::to_string(at) + ": " + std::string(json.substr(at, 6)) +
        " is a lone UTF-16 surrogate (no high surrogate before it), which is not a character "
        "and cannot be stored as UTF-8: write the character itself or its full surrogate pair");
  }
  return Status::OK();
}

}  // namespace

Result<Event> ParseEvent(std::string_view json) {
  // Numbers come as text and are converted by core/json_number.h, never by
  // rapidjson (whose 1.1.0 conversion has undefined behaviour, e.g. "0E111").
  constexpr unsigned kFlags = rapidjson::kParseNumbersAsStringsFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNanAndInfFlag;
  thread_local std::string insitu;
  if (insitu.capacity() > kKeptInsituCapacity && json.size() < kKeptInsituCapacity) {
    std::string().swap(insitu);  // do not keep one huge event's buffer per thread
  }
  insitu.resize(json.size());
  const InputScan scan = CopyAndScan(json, insitu.data());
  EVBUS_RETURN_IF_ERROR(CheckInput(json, scan));
  Event event;
  ParsedParts parts;
  EventParseHandler handler(json, insitu.data(), &event, &parts);
  rapidjson::InsituStringStream stream(insitu.data());
  rapidjson::Reader reader;
  // Text that is all ASCII is valid UTF-8: the reader's check of every
  // string, byte by byte, is then skipped (most events are ASCII).
  const rapidjson::ParseResult result =
      scan.ascii ? reader.Parse<(kFlags & ~rapidjson::kParseValidateEncodingFlag) |
                                rapidjson::kParseInsituFlag>(stream, handler)
                 : reader.Parse<kFlags | rapidjson::kParseInsituFlag>(stream, handler);
  if (handler.failed()) return Status::InvalidArgument(handler.TakeError());
  if (result.IsError()) {
    return Status::InvalidArgument(
        "invalid JSON at offset " + std::to_string(result.Offset()) + ": " +
        rapidjson::GetParseError_En(result.Code()) +
        " An event is one JSON object, e.g. {\"action\": \"run\", \"args\": {...}}");
  }
  EVBUS_RETURN_IF_ERROR(Finish(parts, &event));
  return event;
}

}  // namespace evbus
