// The publish path's pattern gate on a JSON text (docs/redaction.md, "The
// publish path"): instead of decoding every escape of a JSON field before one
// pattern scan, a copy of the raw text with each short escape (\" \\ \/ \b \f
// \n \r \t) blanked to two spaces is scanned. That is exact for a rule that
// can never match a byte such an escape stands for (EscapeFree below): a
// match in a decoded string then lies within one run of unescaped bytes,
// which the copy holds as it is, and its neighbours there (a space, a quote)
// are non-word bytes as the decoded ones (", \, /, control bytes) and the
// string's ends are, so \b and \B decide alike. A \u escape or a malformed
// one can stand for any byte: such a text is not blanked.
//
// Thread safety: pure functions.
#ifndef EVBUS_CORE_JSON_REDACT_GATE_H_
#define EVBUS_CORE_JSON_REDACT_GATE_H_

#include <string>
#include <string_view>

namespace evbus {

// What BlankJsonEscapes found.
enum class JsonEscapes {
  kNone,        // no backslash: the copy equals the text
  kShortOnly,   // only short escapes, each blanked in the copy
  kUnblankable  // a \u escape, or a backslash not starting a valid escape
};

// Writes into *scratch (grown when too small, never shrunk) a copy of `json`
// with every short escape replaced by two spaces, and points *blanked at it
// (json.size() bytes). With kUnblankable, *blanked is left unset.
JsonEscapes BlankJsonEscapes(std::string_view json, std::string* scratch,
                             std::string_view* blanked);

// What BlankJsonEscapes would return, without writing a copy.
JsonEscapes ScanJsonEscapes(std::string_view json);

// True only when no match of the Hyperscan expression `expression` can hold
// one of the bytes a short escape stands for (" \ / and the control bytes
// 0x08 0x09 0x0A 0x0C 0x0D). Conservative: any construct it does not know
// (., [^...], \s, \x.., flags other than (?: ...) answers false.
bool EscapeFree(std::string_view expression, bool literal);

}  // namespace evbus

#endif  // EVBUS_CORE_JSON_REDACT_GATE_H_
