// JSON text as OpenHands writes its files: Python's json.dumps with its
// defaults (ensure_ascii=True, separators ", " and ": ").
//
// evbus stores events as compact UTF-8 JSON (core/json_text_writer.h);
// OpenHands' EventStream writes `json.dumps(event_to_dict(event))`. The
// OpenHands layout option (persist/openhands_event_files.h) writes files
// OpenHands would have written byte for byte, so it converts:
//   - ", " after every comma and ": " after every colon outside strings;
//   - in strings, '"' and '\\' escaped, \n \r \t \b \f as such, every
//     other byte below 0x20, DEL and every non-ASCII character as \uXXXX
//     (lowercase hex; a character above U+FFFF as its surrogate pair),
//     '/' never escaped; escapes in the input are decoded first.
// Numbers, literals and key order are kept: evbus already writes numbers as
// Python does (120.0, 1e-05) and keys in event_to_dict's order.
//
// Thread safety: pure function.
#ifndef EVBUS_PERSIST_PYTHON_JSON_H_
#define EVBUS_PERSIST_PYTHON_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace evbus::persist {

// Appends `json` (one valid JSON value, as evbus writes it) to `out` in
// json.dumps' form. InvalidArgument (out unchanged) if `json` is not valid
// UTF-8 JSON text of the kind evbus writes.
Status AppendPythonJson(std::string_view json, std::string* out);

// One code point (a Unicode scalar value) as json.dumps writes it inside a
// string: the escapes above, printable ASCII as itself.
void AppendPythonJsonCodePoint(std::uint32_t cp, std::string* out);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PYTHON_JSON_H_
