// Secret redaction inside JSON text, without building a DOM.
//
// One forward pass over the text. Every string VALUE, at any depth and inside
// arrays, is matched by its decoded value (escapes such as \" and \u0041
// decoded, surrogate pairs joined); object keys, numbers, true/false/null are
// never changed. A string without a match is left byte for byte as it was; a
// changed string is re-encoded (", \ and control characters escaped,
// everything else written as UTF-8; a lone \uD800-style surrogate survives as
// the same escape). Nothing is copied until the first replacement.
//
// Thread safety: safe to call from any number of threads at once; decoded
// strings go through per-thread scratch buffers (kept up to 1 MiB each).
#ifndef EVBUS_CORE_JSON_REDACT_H_
#define EVBUS_CORE_JSON_REDACT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "base/status.h"
#include "core/secret_matcher.h"
#include "core/secret_scanner.h"

namespace evbus {

// Objects nested deeper than this are refused (the pass is recursive).
inline constexpr int kMaxRedactJsonDepth = 512;

// Replaces every leftmost-longest match of `matcher` in the string values of
// `json` by `replacement` and returns the number of replacements. When it is
// 0, *out is left as it was; otherwise the whole redacted document is appended
// to *out. With `protect_top_level_metadata`, the values of the top-level keys
// id, timestamp, source, cause, action and observation are left as they are.
// Malformed JSON (or nesting deeper than kMaxRedactJsonDepth) gives
// InvalidArgument naming the byte offset, and *out is left as it was.
Result<std::size_t> RedactJsonStrings(const SecretMatcher& matcher, std::string_view json,
                                      std::string_view replacement, bool protect_top_level_metadata,
                                      std::string* out);
// The same with a scanner's secrets and patterns, each replaced by its own
// placeholder (core/secret_scanner.h).
Result<std::size_t> RedactJsonStrings(const SecretScanner& scanner, std::string_view json,
                                      bool protect_top_level_metadata, std::string* out);

}  // namespace evbus

#endif  // EVBUS_CORE_JSON_REDACT_H_
