// SecretPatterns: which token formats a stream redacts beyond its registered
// secrets (docs/redaction.md, "Patterns"): a built-in, named set of well-known
// credential formats, each switchable by name, plus user regular expressions.
// A match is replaced by a placeholder naming the rule that fired, by default
// "<secret_hidden:github_token>".
//
// Thread safety: a plain value; BuiltinSecretPatterns() is immutable.
#ifndef EVBUS_CORE_SECRET_PATTERNS_H_
#define EVBUS_CORE_SECRET_PATTERNS_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace evbus {

// One built-in token format.
struct BuiltinSecretPattern {
  std::string_view name;
  std::string_view expression;  // Hyperscan syntax
  std::string_view description;
  // For a rule that can match a byte a JSON short escape stands for (\n in a
  // key block): a part of every match that cannot, for the publish path's
  // JSON gate (core/json_redact_gate.h). Empty: the expression itself.
  std::string_view gate;
  // Literals, separated by spaces, one of which every match holds, none
  // holding a byte a JSON short escape stands for: the publish path skips
  // the pattern scan of a text in which neither these nor a registered
  // secret occur (SecretScanner, "anchor screen"). Empty: not anchored.
  std::string_view anchors;
};

// The built-in formats, in priority order: when two rules match the same
// text, the earlier one names it.
const std::vector<BuiltinSecretPattern>& BuiltinSecretPatterns();

struct SecretPatterns {
  // At most this many user patterns.
  static constexpr std::size_t kMaxCustomPatterns = 64;
  // The placeholder used unless one is set; "{rule}" becomes the rule's name.
  static constexpr std::string_view kDefaultPlaceholder = "<secret_hidden:{rule}>";

  // Built-in name -> enabled. A built-in not named here is enabled: a new
  // stream redacts every built-in format (the default; docs/compat.md).
  std::map<std::string, bool> builtins;
  // User patterns: name -> regular expression. In an update, an empty
  // expression removes the pattern of that name.
  std::map<std::string, std::string> custom;
  // The placeholder template; empty: kDefaultPlaceholder (in an update:
  // unchanged).
  std::string placeholder;

  // Every built-in switched off, no user pattern: redacts nothing.
  static SecretPatterns None();

  bool BuiltinEnabled(std::string_view name) const;
  // The placeholder for a rule: the template with "{rule}" replaced.
  std::string PlaceholderFor(std::string_view rule) const;
  // InvalidArgument naming the offending entry: an unknown built-in, a user
  // pattern whose name is not [A-Za-z0-9_.-]{1,64} or is a built-in's, too
  // many user patterns, a placeholder over 256 bytes or holding a quote, a
  // backslash or a control character. The expressions
  // themselves are checked when compiled (PatternMatcher::Compile).
  Status Validate() const;
  // Applies `update` (builtins and custom merged by name, an empty custom
  // expression removing that pattern, a non-empty placeholder replacing).
  void Merge(const SecretPatterns& update);

  bool operator==(const SecretPatterns& other) const = default;
};

// The enabled rules of `patterns`: built-ins in their order, then the user
// patterns by name (a PatternMatcher's rule list).
struct NamedExpression {
  std::string name;
  std::string expression;
  std::string gate;     // BuiltinSecretPattern::gate; empty for user patterns
  std::string anchors;  // BuiltinSecretPattern::anchors; empty for user patterns
};
std::vector<NamedExpression> EnabledSecretPatterns(const SecretPatterns& patterns);

}  // namespace evbus

#endif  // EVBUS_CORE_SECRET_PATTERNS_H_
