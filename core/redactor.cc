#include "core/redactor.h"

#include <algorithm>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "base/file_env.h"
#include "core/json_redact.h"

namespace evbus {

namespace {

// Compiling the built-ins takes tens of milliseconds (Hyperscan), and every
// producer of a stream rebuilds its Redactor when the stream's secrets change:
// the last few pattern databases are kept, keyed by their rules.
class PatternCache {
 public:
  Result<std::shared_ptr<const PatternMatcher>> Get(const std::vector<PatternRule>& rules) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& entry : entries_) {
      if (SameRules(entry->rules(), rules)) return entry;
    }
    auto compiled = PatternMatcher::Compile(rules);
    if (!compiled.ok()) return compiled.status();
    if (entries_.size() == kEntries) entries_.erase(entries_.begin());
    entries_.push_back(*compiled);
    return compiled;
  }

 private:
  static constexpr std::size_t kEntries = 4;
  static bool SameRules(const std::vector<PatternRule>& a, const std::vector<PatternRule>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (a[i].name != b[i].name || a[i].expression != b[i].expression ||
          a[i].literal != b[i].literal || a[i].gate != b[i].gate) {
        return false;
      }
    }
    return true;
  }
  std::mutex mu_;
  std::vector<std::shared_ptr<const PatternMatcher>> entries_;
};

// *anchors: every enabled rule's anchors (BuiltinSecretPattern::anchors), or
// none when some rule has none.
Status CompilePatterns(const SecretPatterns& patterns, std::shared_ptr<const PatternMatcher>* out,
                       std::vector<std::string>* placeholders, std::vector<std::string>* anchors) {
  EVBUS_RETURN_IF_ERROR(patterns.Validate());
  std::vector<PatternRule> rules;
  bool anchored = true;
  for (NamedExpression& e : EnabledSecretPatterns(patterns)) {
    anchored = anchored && !e.anchors.empty();
    for (std::size_t at = 0; anchored && at < e.anchors.size();) {
      const std::size_t space = std::min(e.anchors.find(' ', at), e.anchors.size());
      anchors->push_back(e.anchors.substr(at, space - at));
      at = space + 1;
    }
    placeholders->push_back(patterns.PlaceholderFor(e.name));
    rules.push_back(
        PatternRule{std::move(e.name), std::move(e.expression), false, std::move(e.gate)});
  }
  if (!anchored) anchors->clear();
  if (rules.empty()) return Status::OK();
  static PatternCache* cache = new PatternCache();  // never destroyed: used at exit
  auto compiled = cache->Get(rules);
  if (!compiled.ok()) {
    return AddContext(compiled.status(), "",
                      "; the secret patterns in force stay (nothing was changed)");
  }
  *out = std::move(compiled).value();
  return Status::OK();
}

}  // namespace

Redactor::Redactor() : snapshot_(std::make_shared<const Snapshot>()) {}

Result<std::shared_ptr<const Redactor::Snapshot>> Redactor::Compile(SecretMap secrets,
                                                                    SecretPatterns patterns) {
  std::set<std::string_view> distinct;
  std::size_t total = 0;
  for (const auto& [name, value] : secrets) {
    if (!value.empty() && distinct.insert(value).second) total += value.size();
  }
  if (total > kMaxTotalSecretBytes) {
    return Status::InvalidArgument(
        "secret values total " + std::to_string(total) + " bytes, over the limit of " +
        std::to_string(kMaxTotalSecretBytes) +
        "; register credentials (tokens, keys, passwords), not whole files, or remove unused "
        "secrets first");
  }
  std::shared_ptr<const PatternMatcher> matcher;
  std::vector<std::string> placeholders, anchors;
  EVBUS_RETURN_IF_ERROR(CompilePatterns(patterns, &matcher, &placeholders, &anchors));
  std::vector<std::string> values(distinct.begin(), distinct.end());
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->scanner = SecretScanner(SecretMatcher(values), std::string(kPlaceholder),
                                    std::move(matcher), std::move(placeholders));
  // The screen pays only with a SIMD prefilter, which takes at most
  // TeddyFilter::kMaxPrefixes distinct prefixes: no point building it beyond,
  // nor when SetAnchorScreen would surely refuse it.
  if (!anchors.empty() && snapshot->scanner.has_patterns() &&
      values.size() + anchors.size() <= 2 * TeddyFilter::kMaxPrefixes) {
    values.insert(values.end(), anchors.begin(), anchors.end());
    if (snapshot->scanner.AnchorScreenMayKeep(values)) {
      snapshot->scanner.SetAnchorScreen(SecretMatcher(values));
    }
  }
  snapshot->secrets = std::move(secrets);
  snapshot->patterns = std::move(patterns);
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

Status Redactor::Set(const SecretMap& secrets, const SecretPatterns& patterns) {
  EVBUS_ASSIGN_OR_RETURN(snapshot_, Compile(secrets, patterns));
  return Status::OK();
}

Status Redactor::SetSecrets(const SecretMap& secrets) { return Set(secrets, snapshot_->patterns); }

Status Redactor::UpdateSecrets(const SecretMap& secrets) {
  SecretMap merged = snapshot_->secrets;
  for (const auto& [name, value] : secrets) merged[name] = value;
  return Set(merged, snapshot_->patterns);
}

Status Redactor::SetPatterns(const SecretPatterns& patterns) {
  return Set(snapshot_->secrets, patterns);
}

Status Redactor::UpdatePatterns(const SecretPatterns& patterns) {
  SecretPatterns merged = snapshot_->patterns;
  merged.Merge(patterns);
  return Set(snapshot_->secrets, merged);
}

std::size_t Redactor::RedactText(std::string* text) const {
  std::string out;
  const std::size_t count = snapshot_->scanner.Redact(*text, &out);
  if (count > 0) text->swap(out);
  return count;
}

std::size_t Redactor::RedactJsonField(std::string* json) const {
  if (json->empty()) return 0;  // absent field
  std::string out;
  Result<std::size_t> count =
      RedactJsonStrings(snapshot_->scanner, *json, /*protect_top_level_metadata=*/false, &out);
  if (!count.ok()) return RedactText(json);  // malformed: fail closed
  if (*count > 0) json->swap(out);
  return *count;
}

std::size_t Redactor::RedactEvent(Event* event) const {
  if (empty()) return 0;
  std::size_t count = RedactText(&event->message) + RedactText(&event->content);
  count += RedactJsonField(&event->args_json);
  count += RedactJsonField(&event->extras_json);
  count += RedactJsonField(&event->tool_call_metadata_json);
  count += RedactJsonField(&event->llm_metrics_json);
  for (auto& [key, value] : event->unknown_fields) count += RedactJsonField(&value);
  return count;
}

Result<std::size_t> Redactor::RedactJson(std::string_view json, std::string* out,
                                         bool protect_top_level_metadata) const {
  out->clear();
  Result<std::size_t> count =
      RedactJsonStrings(snapshot_->scanner, json, protect_top_level_metadata, out);
  if (!count.ok()) {
    out->clear();
    if (snapshot_->scanner.Redact(json, out) == 0) out->assign(json);  // fail closed
    return count.status();
  }
  if (*count == 0) out->assign(json);
  return count;
}

}  // namespace evbus
