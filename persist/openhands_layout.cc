#include "persist/openhands_layout.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <map>
#include <string>

#include "persist/openhands_event_files.h"
#include "persist/record_convert.h"
#include "persist/store_paths.h"

namespace evbus::persist {
namespace {

bool ParseId(std::string_view text, std::uint64_t* id) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *id);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// "<id>.json" -> id.
bool EventFileId(std::string_view name, std::uint64_t* id) {
  if (name.size() <= 5 || name.substr(name.size() - 5) != ".json") return false;
  return ParseId(name.substr(0, name.size() - 5), id);
}

// id -> JSON text of one event, and where it came from.
struct EventText {
  std::string json;
  bool from_page = false;
};
using EventTexts = std::map<std::uint64_t, EventText>;

Status ReadEventFiles(Env* env, const std::string& dir, EventTexts* out) {
  auto names = env->ListDir(dir);
  if (!names.ok()) return names.status().IsNotFound() ? Status::OK() : names.status();
  for (const std::string& name : *names) {
    std::uint64_t id = 0;
    if (!EventFileId(name, &id)) continue;
    EVBUS_RETURN_IF_ERROR(env->ReadFile(JoinPath(dir, name), &(*out)[id].json));
  }
  return Status::OK();
}

// Cache pages: a JSON array per file; their entries win over event files.
Status ReadCachePages(Env* env, const std::string& dir, EventTexts* out) {
  auto names = env->ListDir(dir);
  if (!names.ok()) return names.status().IsNotFound() ? Status::OK() : names.status();
  for (const std::string& name : *names) {
    if (name.size() <= 5 || name.substr(name.size() - 5) != ".json") continue;
    std::string text;
    EVBUS_RETURN_IF_ERROR(env->ReadFile(JoinPath(dir, name), &text));
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsArray()) {
      return Status::InvalidArgument("cache page '" + JoinPath(dir, name) +
                                     "' is not a JSON array: fix or remove it");
    }
    for (const auto& entry : doc.GetArray()) {
      if (!entry.IsObject() || !entry.HasMember("id") || !entry["id"].IsUint64()) continue;
      rapidjson::StringBuffer buffer;
      rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
      entry.Accept(writer);
      EventText& slot = (*out)[entry["id"].GetUint64()];
      slot.json.assign(buffer.GetString(), buffer.GetSize());
      slot.from_page = true;
    }
  }
  return Status::OK();
}

}  // namespace

Result<ImportStats> ImportOpenHandsEvents(std::string_view openhands_root,
                                          std::string_view evbus_root, std::string_view session_id,
                                          std::string_view user_id,
                                          const StoreWriterOptions& options) {
  auto conversation = ConversationDir(openhands_root, session_id, user_id);
  if (!conversation.ok()) return conversation.status();
  auto evbus_dir = EvbusDir(evbus_root, session_id, user_id);
  if (!evbus_dir.ok()) return evbus_dir.status();
  return ImportOpenHandsDir(*conversation, *evbus_dir, options);
}

Result<ImportStats> ImportOpenHandsDir(const std::string& conversation_dir,
                                       const std::string& evbus_dir,
                                       const StoreWriterOptions& options,
                                       const LayoutProgress& progress) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  EventTexts texts;
  Status s = ReadEventFiles(env, JoinPath(conversation_dir, "events"), &texts);
  if (s.ok()) s = ReadCachePages(env, JoinPath(conversation_dir, "event_cache"), &texts);
  if (!s.ok()) return s;
  auto writer = StoreWriter::Open(evbus_dir, options);
  if (!writer.ok()) return writer.status();
  ImportStats stats;
  std::uint64_t done = 0;
  for (auto& [id, text] : texts) {
    ++done;
    if (id < (*writer)->next_id()) continue;
    auto event = ParseEvent(text.json);
    if (!event.ok()) {
      return Status::InvalidArgument("OpenHands event " + std::to_string(id) + " in '" +
                                     conversation_dir +
                                     "' does not parse: " + event.status().message());
    }
    while ((*writer)->next_id() < id) {
      s = (*writer)->AppendAbandoned((*writer)->next_id(), MissingReason::kNotImported);
      if (!s.ok()) return s;
      ++stats.missing;
    }
    event->id = static_cast<std::int64_t>(id);
    s = (*writer)->Append(RecordMetaFromEvent(id, *event), EventToJson(*event));
    if (!s.ok()) return s;
    ++stats.imported;
    if (text.from_page) ++stats.from_cache_pages;
    if (progress) progress(done, texts.size());
  }
  s = (*writer)->Close();
  if (!s.ok()) return s;
  return stats;
}

Result<ExportStats> ExportOpenHandsEvents(const Store& store, std::string_view openhands_root,
                                          std::string_view session_id, std::string_view user_id,
                                          std::size_t cache_page_size) {
  auto conversation = ConversationDir(openhands_root, session_id, user_id);
  if (!conversation.ok()) return conversation.status();
  return ExportOpenHandsDir(store, *conversation, cache_page_size);
}

Result<ExportStats> ExportOpenHandsDir(const Store& store, const std::string& conversation_dir,
                                       std::size_t cache_page_size, const LayoutProgress& progress,
                                       Env* env) {
  // The persister's writer of OpenHands' files (--openhands-layout), with
  // the export's own temporary file and words.
  OpenHandsFilesOptions options;
  options.cache_page_size = cache_page_size;
  options.env = env;
  options.tmp_name = ".evbus-export.tmp";
  options.error_prefix = "cannot export";
  options.error_suffix = "; the file keeps what it held before: fix the cause and export again";
  auto files = OpenHandsEventFiles::Open(conversation_dir, options);
  if (!files.ok()) return files.status();
  const auto total = static_cast<std::uint64_t>(store.latest_id() + 1);
  EventIterator it = store.Search(SearchQuery());
  while (it.Next()) {
    const auto id = static_cast<std::uint64_t>(it.meta().id);
    EVBUS_RETURN_IF_ERROR((*files)->Add(id, it.json()));
    if (progress) progress(id + 1, total);
  }
  EVBUS_RETURN_IF_ERROR(it.status());
  ExportStats stats;
  stats.events = (*files)->event_files_written();
  stats.cache_pages = (*files)->pages_written();
  return stats;
}

}  // namespace evbus::persist
