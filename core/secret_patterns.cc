#include "core/secret_patterns.h"

#include <iterator>

namespace evbus {
namespace {

constexpr std::size_t kMaxPlaceholderBytes = 256;
constexpr std::size_t kMaxNameBytes = 64;

bool IsRuleName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsBuiltin(std::string_view name) {
  for (const BuiltinSecretPattern& p : BuiltinSecretPatterns()) {
    if (p.name == name) return true;
  }
  return false;
}

std::string BuiltinNames() {
  std::string names;
  for (const BuiltinSecretPattern& p : BuiltinSecretPatterns()) {
    if (!names.empty()) names += ", ";
    names += p.name;
  }
  return names;
}

}  // namespace

// The built-in formats and their false-positive guards are documented in
// docs/redaction.md ("Built-in patterns"); keep the two in step.
namespace {
constexpr BuiltinSecretPattern kBuiltinPatterns[] = {
    {"private_key",
     R"(-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----(?:[^-]|-[^-])+-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----)",
     "PEM private key block, BEGIN line through END line",
     R"(-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY)", "-----BEGIN"},
    {"github_token",
     R"(gh[pousr]_[A-Za-z0-9]{36,})",
     "GitHub personal, OAuth, user, server and refresh tokens (ghp_, gho_, ghu_, ghs_, ghr_)",
     {},
     "ghp_ gho_ ghu_ ghs_ ghr_"},
    {"github_fine_grained_token",
     R"(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})",
     "GitHub fine-grained personal access token (github_pat_)",
     {},
     "github_pat_"},
    {"gitlab_token",
     R"(glpat-[A-Za-z0-9_\-]{20,})",
     "GitLab personal access token (glpat-)",
     {},
     "glpat-"},
    {"aws_access_key_id",
     R"(\b(?:AKIA|ASIA)[A-Z0-9]{16}\b)",
     "AWS access key id (AKIA long-term, ASIA temporary)",
     {},
     "AKIA ASIA"},
    {"slack_token",
     R"(xox[abprs]-[A-Za-z0-9\-]{10,})",
     "Slack bot, user, app-level and refresh tokens (xoxa-, xoxb-, xoxp-, xoxr-, xoxs-)",
     {},
     "xoxa- xoxb- xoxp- xoxr- xoxs-"},
    {"anthropic_api_key",
     R"(sk-ant-[A-Za-z0-9_\-]{32,})",
     "Anthropic API key (sk-ant-)",
     {},
     "sk-ant-"},
    {"openai_api_key",
     R"(\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{32,}|[A-Za-z0-9]{32,}))",
     "OpenAI API key (sk-, sk-proj-, sk-svcacct-, sk-admin-)",
     {},
     "sk-"},
    {"google_api_key", R"(AIza[0-9A-Za-z_\-]{35})", "Google API key (AIza)", {}, "AIza"},
    {"stripe_secret_key",
     R"([rs]k_live_[0-9A-Za-z]{24,})",
     "Stripe live secret and restricted keys (sk_live_, rk_live_)",
     {},
     "sk_live_ rk_live_"},
    {"jwt",
     R"(\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,})",
     "JSON Web Token (three base64url parts, header and payload starting eyJ)",
     {},
     "eyJ"},
};
}  // namespace

const std::vector<BuiltinSecretPattern>& BuiltinSecretPatterns() {
  static const std::vector<BuiltinSecretPattern> kPatterns(std::begin(kBuiltinPatterns),
                                                           std::end(kBuiltinPatterns));
  return kPatterns;
}

SecretPatterns SecretPatterns::None() {
  SecretPatterns none;
  for (const BuiltinSecretPattern& p : BuiltinSecretPatterns())
    none.builtins[std::string(p.name)] = false;
  return none;
}

bool SecretPatterns::BuiltinEnabled(std::string_view name) const {
  auto it = builtins.find(std::string(name));
  return it == builtins.end() || it->second;
}

std::string SecretPatterns::PlaceholderFor(std::string_view rule) const {
  std::string out(placeholder.empty() ? kDefaultPlaceholder : std::string_view(placeholder));
  static constexpr std::string_view kRule = "{rule}";
  for (std::size_t at = out.find(kRule); at != std::string::npos;
       at = out.find(kRule, at + rule.size())) {
    out.replace(at, kRule.size(), rule);
  }
  return out;
}

Status SecretPatterns::Validate() const {
  for (const auto& [name, enabled] : builtins) {
    if (!IsBuiltin(name)) {
      return Status::InvalidArgument("no built-in secret pattern is named '" + name +
                                     "'; the built-ins are: " + BuiltinNames());
    }
  }
  if (custom.size() > kMaxCustomPatterns) {
    return Status::InvalidArgument(
        std::to_string(custom.size()) + " user secret patterns, over the limit of " +
        std::to_string(kMaxCustomPatterns) + "; join related formats into one expression");
  }
  for (const auto& [name, expression] : custom) {
    if (!IsRuleName(name)) {
      return Status::InvalidArgument("secret pattern name '" + name.substr(0, 80) +
                                     "' must be 1-64 characters of A-Z a-z 0-9 _ . -");
    }
    if (IsBuiltin(name)) {
      return Status::InvalidArgument("secret pattern name '" + name +
                                     "' is a built-in's; choose another name (switch built-ins "
                                     "on and off by name instead)");
    }
  }
  for (unsigned char c : placeholder) {
    if (c == '"' || c == '\\' || c < 0x20) {
      return Status::InvalidArgument(
          "the placeholder '" + placeholder +
          "' holds a quote, a backslash or a control character; use plain text such as "
          "<secret_hidden:{rule}>");
    }
  }
  if (placeholder.size() > kMaxPlaceholderBytes) {
    return Status::InvalidArgument("the placeholder is " + std::to_string(placeholder.size()) +
                                   " bytes, over the limit of " +
                                   std::to_string(kMaxPlaceholderBytes));
  }
  return Status::OK();
}

void SecretPatterns::Merge(const SecretPatterns& update) {
  for (const auto& [name, enabled] : update.builtins) builtins[name] = enabled;
  for (const auto& [name, expression] : update.custom) {
    if (expression.empty()) {
      custom.erase(name);
    } else {
      custom[name] = expression;
    }
  }
  if (!update.placeholder.empty()) placeholder = update.placeholder;
}

std::vector<NamedExpression> EnabledSecretPatterns(const SecretPatterns& patterns) {
  std::vector<NamedExpression> rules;
  for (const BuiltinSecretPattern& p : BuiltinSecretPatterns()) {
    if (patterns.BuiltinEnabled(p.name)) {
      rules.push_back({std::string(p.name), std::string(p.expression), std::string(p.gate),
                       std::string(p.anchors)});
    }
  }
  for (const auto& [name, expression] : patterns.custom) {
    if (!expression.empty()) rules.push_back({name, expression, std::string(), std::string()});
  }
  return rules;
}

}  // namespace evbus
