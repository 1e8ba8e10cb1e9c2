#include "tools/evbus/demo_summary.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "core/event_types.h"
#include "persist/store.h"

namespace evbus::cli {
namespace {

void ScanFile(const std::filesystem::path& path, std::string_view secret, SecretScan* scan) {
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ++scan->files;
  scan->bytes += bytes.size();
  for (auto at = bytes.find(secret); at != std::string::npos; at = bytes.find(secret, at + 1)) {
    ++scan->found;
  }
}

}  // namespace

Result<StoreSummary> SummariseStore(const std::string& root, std::string_view stream) {
  auto store = persist::Store::Open(root, stream);
  if (!store.ok()) return store.status();
  auto events = (*store)->SearchEventsJson(persist::SearchQuery{});
  if (!events.ok()) return events.status();
  StoreSummary s;
  std::set<std::int64_t> run_ids;
  for (const persist::StoredEvent& e : *events) {
    s.dense = s.dense && e.meta.id == s.latest_id + 1;
    s.latest_id = e.meta.id;
    ++s.events;
    ++s.by_source[static_cast<int>(e.meta.source) & 3];
    const std::string_view type =
        IsValidEventType(e.meta.type) ? GetEventType(e.meta.type).class_name : "";
    if (type == "CmdRunAction") {
      ++s.run_actions;
      run_ids.insert(e.meta.id);
    } else if (type == "CmdOutputObservation" && e.cause && run_ids.count(*e.cause) != 0) {
      ++s.answered;
    }
  }
  return s;
}

SecretScan ScanForSecret(const std::string& path, std::string_view secret) {
  SecretScan scan;
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) {
    ScanFile(path, secret, &scan);
    return scan;
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path, ec)) {
    if (entry.is_regular_file(ec)) ScanFile(entry.path(), secret, &scan);
  }
  return scan;
}

}  // namespace evbus::cli
