// SecretScanner: the registered secrets (literals, SecretMatcher) and the
// secret patterns (regular expressions, PatternMatcher) of one redaction set,
// applied together in one left-to-right replacement of each string
// (docs/redaction.md, "Literals and patterns together").
//
// Both matchers scan the original string; the replacement then takes, at each
// step, the match that begins leftmost and, among those, the longest (a
// registered secret wins a tie against a pattern of the same extent). A
// pattern match that begins inside a replaced span and ends after it extends
// that span (fail closed: a token that starts inside a secret is still
// hidden). Placeholders are never rescanned.
//
// Thread safety: immutable after construction; any number of threads may call
// the const methods at once (pattern matches go through a per-thread buffer).
//
// Invariants:
//   1. placeholders_[i] is the placeholder of patterns_->rules()[i].
//   2. patterns_ is null when no pattern is enabled.
//   3. json_gate_ is kAlwaysWalk when patterns_ is null or some rule may
//      anchor; kBlanked only when every rule's gate (or expression) is
//      EscapeFree (core/json_redact_gate.h).
#ifndef EVBUS_CORE_SECRET_SCANNER_H_
#define EVBUS_CORE_SECRET_SCANNER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/pattern_matcher.h"
#include "core/secret_matcher.h"

namespace evbus {

class SecretScanner {
 public:
  SecretScanner() = default;
  // `placeholders` holds one entry per rule of `patterns` (may be null).
  SecretScanner(SecretMatcher literals, std::string literal_placeholder,
                std::shared_ptr<const PatternMatcher> patterns,
                std::vector<std::string> placeholders);

  const SecretMatcher& literals() const noexcept { return literals_; }
  bool has_patterns() const noexcept { return patterns_ != nullptr; }
  // True when nothing would ever be replaced.
  bool empty() const noexcept { return literals_.empty() && patterns_ == nullptr; }

  // True when some secret or pattern occurs in `text`.
  bool Contains(std::string_view text) const;

  // When something matches in `text`, appends the redacted text to *out and
  // returns the number of replacements; otherwise returns 0 and leaves *out.
  std::size_t Redact(std::string_view text, std::string* out) const;

  // What ScreenJson learnt of a JSON text.
  enum class JsonScreen {
    kMayMatch,             // a pattern may match in a string value: walk it
    kNoMatchNoBackslash,   // none can; the text has no backslash
    kNoMatchShortEscapes,  // none can; its escapes are all short (no \u)
    kNoMatch,              // none can (nothing learnt of its escapes)
  };
  // Whether a pattern can match in some string value of the JSON text
  // `json`, in one Hyperscan scan of the whole text: when every rule (or its
  // gate) is escape-free, of a copy with the short escapes blanked
  // (core/json_redact_gate.h); otherwise of its raw bytes with every escape
  // decoded (each decoded string lies whole in them, between quotes, which a
  // word boundary treats like the string's ends). kMayMatch whenever some
  // rule has an anchor (^, $, \A, \z, \Z), which neither scan can check, and
  // for a \u or malformed escape in the blanked form. Lets a writer skip
  // the walk of a JSON field (event_json_writer.cc). No pattern: kNoMatch.
  JsonScreen ScreenJson(std::string_view json) const;
  // The same answer by decoding every escape (the general form; tests and
  // the benchmark compare the two).
  bool PatternsMayMatchInDecodedJson(std::string_view json) const;

  // The anchor screen (docs/redaction.md, "The publish path"): a matcher of
  // the registered secrets and every enabled rule's anchors together
  // (BuiltinSecretPattern::anchors), set only when each rule has anchors.
  // A text in which it finds nothing holds neither a secret nor a pattern
  // match: one scan instead of the pattern scan beside the secrets' own.
  // Kept only when it has a fast prefilter and no anchor holds a byte a
  // JSON short escape stands for.
  void SetAnchorScreen(SecretMatcher screen);
  // False when SetAnchorScreen would surely refuse a screen of `values` (the
  // secrets and the anchors), asked before its matcher is built: a value
  // shorter than 2 bytes (no prefilter takes it), or one holding a byte a
  // short escape stands for that no secret holds. True: build it and let
  // SetAnchorScreen decide.
  bool AnchorScreenMayKeep(const std::vector<std::string>& values) const;
  bool has_anchor_screen() const noexcept { return !screen_.empty(); }
  // Where the screen first finds a secret or an anchor in `text`: no
  // secret begins before it (the screen holds them all), so a search for
  // the secrets may start there. npos when it finds none; 0 without a
  // screen. One scan says whether the text is clear and where to look.
  std::size_t AnchorScreenFrom(std::string_view text) const noexcept {
    if (!has_anchor_screen()) return 0;
    const SecretMatch hit = screen_.Find(text);
    return hit.found() ? hit.begin : std::string_view::npos;
  }

 private:
  std::size_t Merge(std::string_view text, SecretMatch literal, const std::vector<PatternHit>& hits,
                    std::string* out) const;

  SecretMatcher literals_;
  SecretMatcher screen_;  // the anchor screen; empty when there is none
  std::string literal_placeholder_;
  std::shared_ptr<const PatternMatcher> patterns_;
  std::vector<std::string> placeholders_;
  enum class JsonGate { kAlwaysWalk, kDecoded, kBlanked };
  JsonGate json_gate_ = JsonGate::kAlwaysWalk;
};

}  // namespace evbus

#endif  // EVBUS_CORE_SECRET_SCANNER_H_
