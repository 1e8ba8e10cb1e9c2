#include "core/redactor.h"

#include <set>
#include <utility>
#include <vector>

#include "core/json_redact.h"

namespace evbus {

Redactor::Redactor() : snapshot_(std::make_shared<const Snapshot>()) {}

Result<std::shared_ptr<const Redactor::Snapshot>> Redactor::Compile(SecretMap secrets) {
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
  std::vector<std::string> values(distinct.begin(), distinct.end());
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->matcher = SecretMatcher(values);
  snapshot->secrets = std::move(secrets);
  return std::shared_ptr<const Snapshot>(std::move(snapshot));
}

Status Redactor::SetSecrets(const SecretMap& secrets) {
  auto compiled = Compile(secrets);
  if (!compiled.ok()) return compiled.status();
  snapshot_ = std::move(compiled).value();
  return Status::OK();
}

Status Redactor::UpdateSecrets(const SecretMap& secrets) {
  SecretMap merged = snapshot_->secrets;
  for (const auto& [name, value] : secrets) merged[name] = value;
  auto compiled = Compile(std::move(merged));
  if (!compiled.ok()) return compiled.status();
  snapshot_ = std::move(compiled).value();
  return Status::OK();
}

std::size_t Redactor::RedactText(std::string* text) const {
  const SecretMatcher& m = snapshot_->matcher;
  const SecretMatch first = m.Find(*text);
  if (!first.found()) return 0;
  std::string out;
  out.reserve(text->size());
  const std::size_t count = m.ReplaceFrom(*text, first, kPlaceholder, &out);
  text->swap(out);
  return count;
}

std::size_t Redactor::RedactJsonField(std::string* json) const {
  if (json->empty()) return 0;  // absent field
  std::string out;
  Result<std::size_t> count =
      RedactJsonStrings(snapshot_->matcher, *json, kPlaceholder, /*protect=*/false, &out);
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
      RedactJsonStrings(snapshot_->matcher, json, kPlaceholder, protect_top_level_metadata, out);
  if (!count.ok()) {
    out->clear();
    snapshot_->matcher.Replace(json, kPlaceholder, out);  // fail closed
    return count.status();
  }
  if (*count == 0) out->assign(json);
  return count;
}

}  // namespace evbus
