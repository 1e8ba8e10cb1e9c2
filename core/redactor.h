// Redactor: replaces registered secret values by "<secret_hidden>" in events
// before they are published (invariant 2, docs/architecture.md), as OpenHands'
// EventStream._replace_secrets does, with these differences (docs/redaction.md):
// strings inside arrays and the top-level message are redacted too; one pass,
// leftmost-longest, never rescanning a placeholder; empty secrets ignored.
//
// A secret set is a map name -> value; only the values are matched. Secret
// patterns (core/secret_patterns.h: built-in token formats and user regular
// expressions) are matched in the same replacement pass; a default Redactor
// has none (a stream's default is every built-in: stream/shared_secrets.h).
//
// Thread safety: a Redactor is a value. Its secret set lives in one immutable
// snapshot held by std::shared_ptr<const ...>, so copying is a reference-count
// increment and const methods may run concurrently on any number of threads.
// SetSecrets/UpdateSecrets replace the snapshot of *this* object only and
// must not race with other calls on the same object; a stream that swaps sets
// while producers redact publishes copies (e.g. through an atomic shared_ptr).
//
// Invariants:
//   1. snapshot_ is never null; its matcher matches exactly the distinct
//      non-empty values of its map.
//   2. A snapshot is never modified after it is published.
#ifndef EVBUS_CORE_REDACTOR_H_
#define EVBUS_CORE_REDACTOR_H_

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "core/event.h"
#include "core/secret_matcher.h"
#include "core/secret_patterns.h"
#include "core/secret_scanner.h"

namespace evbus {

class Redactor {
 public:
  using SecretMap = std::map<std::string, std::string>;

  // The literal OpenHands writes in place of a secret.
  static constexpr std::string_view kPlaceholder = "<secret_hidden>";
  // Sum of the lengths of the distinct non-empty values. Bounds the matcher's
  // table (about 4 bytes x this x distinct bytes in the values).
  static constexpr std::size_t kMaxTotalSecretBytes = 64 * 1024;

  Redactor();  // no secrets: redacts nothing

  // Replaces the whole set (OpenHands' set_secrets). InvalidArgument, and the
  // set unchanged, when the values exceed kMaxTotalSecretBytes.
  Status SetSecrets(const SecretMap& secrets);
  // Merges into the set, overwriting by name (OpenHands' update_secrets).
  Status UpdateSecrets(const SecretMap& secrets);

  // Replaces the secret patterns. InvalidArgument naming the offending
  // pattern (SecretPatterns::Validate, PatternMatcher::Compile), and the
  // patterns unchanged, when one is refused.
  Status SetPatterns(const SecretPatterns& patterns);
  // Merges into the patterns (SecretPatterns::Merge), with the same checks.
  Status UpdatePatterns(const SecretPatterns& patterns);
  // Replaces secrets and patterns at once; on error neither changes.
  Status Set(const SecretMap& secrets, const SecretPatterns& patterns);

  const SecretMap& secrets() const { return snapshot_->secrets; }
  const SecretPatterns& patterns() const { return snapshot_->patterns; }
  const SecretMatcher& matcher() const { return snapshot_->scanner.literals(); }
  const SecretScanner& scanner() const { return snapshot_->scanner; }
  // True when no non-empty secret is registered and no pattern is enabled.
  bool empty() const { return snapshot_->scanner.empty(); }
  // True when some secret or pattern occurs anywhere in `bytes` (e.g. a
  // segment scan).
  bool Contains(std::string_view bytes) const { return snapshot_->scanner.Contains(bytes); }

  // Redacts plain text in place. Returns the number of replacements.
  std::size_t RedactText(std::string* text) const;

  // Redacts every string of the event: message, content, and the string values
  // (any depth, arrays included, keys never) of args_json, extras_json,
  // tool_call_metadata_json, llm_metrics_json and the unknown_fields values.
  // The typed metadata (id, timestamp, source, cause, type) is untouched by
  // construction. A field whose JSON text is malformed is redacted as plain
  // bytes instead (fail closed: no secret survives). Fields without a match
  // are not copied. Returns the number of replacements.
  std::size_t RedactEvent(Event* event) const;

  // Redacts the string values of any JSON text into *out (replacing its
  // contents). With protect_top_level_metadata, the values of the top-level
  // keys id, timestamp, source, cause, action, observation are kept, as when
  // redacting a whole serialized event. Malformed JSON: InvalidArgument naming
  // the byte offset, and *out holds the text redacted as plain bytes.
  Result<std::size_t> RedactJson(std::string_view json, std::string* out,
                                 bool protect_top_level_metadata) const;

 private:
  struct Snapshot {
    SecretMap secrets;
    SecretPatterns patterns = SecretPatterns::None();
    SecretScanner scanner;
  };
  static Result<std::shared_ptr<const Snapshot>> Compile(SecretMap secrets,
                                                         SecretPatterns patterns);
  std::size_t RedactJsonField(std::string* json) const;

  std::shared_ptr<const Snapshot> snapshot_;
};

// Appends the JSON of `event` with every string redacted by `redactor`:
// byte for byte Redactor::RedactEvent on a copy followed by AppendEventJson
// (core/event_json_writer.cc). An invalid event (ValidateEvent) appends
// nothing and gets ValidateEvent's error.
Status AppendRedactedEventJson(const Event& event, const Redactor& redactor, std::string* out);

}  // namespace evbus

#endif  // EVBUS_CORE_REDACTOR_H_
