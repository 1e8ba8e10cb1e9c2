#include "persist/openhands_layout.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <charconv>
#include <map>
#include <string>

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

// Writes `data` to `tmp`, then renames it over `path`: `path` holds its old
// contents or the new ones, never a part. Not fsynced (OpenHands' file store
// does not sync either); every write, close and rename is checked.
Status WriteWholeFile(Env* env, const std::string& tmp, const std::string& path,
                      std::string_view data) {
  if (env->FileExists(tmp)) {  // left by an export that died
    EVBUS_RETURN_IF_ERROR(env->RemoveFile(tmp));
  }
  auto file = env->NewWritableFile(tmp, kOwnerOnlyFileMode);
  Status s = file.status();
  if (file.ok()) {
    s = (*file)->Append(data);
    const Status closed = (*file)->Close();
    if (s.ok()) s = closed;
    if (s.ok()) s = env->RenameFile(tmp, path);
    if (!s.ok()) (void)env->RemoveFile(tmp);
  }
  return AddContext(s, "cannot export '" + path + "': ",
                    "; the file keeps what it held before: fix the cause and export again");
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
  if (env == nullptr) env = Env::Default();
  const std::string events_dir = JoinPath(conversation_dir, "events");
  // Beside events/ and event_cache/, so that OpenHands never lists it.
  const std::string tmp = JoinPath(conversation_dir, ".evbus-export.tmp");
  const std::string cache_dir = JoinPath(conversation_dir, "event_cache");
  Status s = env->CreateDirs(events_dir, kOwnerOnlyDirMode);
  if (s.ok()) s = env->CreateDirs(cache_dir, kOwnerOnlyDirMode);
  if (!s.ok()) return s;
  ExportStats stats;
  std::string page = "[";
  std::size_t in_page = 0;
  std::int64_t expected = 0;  // next id for the current aligned page
  const auto total = static_cast<std::uint64_t>(store.latest_id() + 1);
  EventIterator it = store.Search(SearchQuery());
  while (it.Next()) {
    const std::int64_t id = it.meta().id;
    s = WriteWholeFile(env, tmp, JoinPath(events_dir, std::to_string(id) + ".json"), it.json());
    if (!s.ok()) return s;
    ++stats.events;
    if (progress) progress(static_cast<std::uint64_t>(id) + 1, total);
    if (cache_page_size == 0) continue;
    const auto size = static_cast<std::int64_t>(cache_page_size);
    if (id % size == 0) {  // an aligned page starts here
      page = "[";
      in_page = 0;
      expected = id;
    }
    if (id != expected) continue;  // a hole: this page cannot be complete
    page += in_page == 0 ? "" : ", ";
    page += it.json();
    ++in_page;
    ++expected;
    if (in_page == cache_page_size) {
      const std::int64_t start = id + 1 - size;
      page += "]";
      s = WriteWholeFile(
          env, tmp,
          JoinPath(cache_dir, std::to_string(start) + "-" + std::to_string(start + size) + ".json"),
          page);
      if (!s.ok()) return s;
      ++stats.cache_pages;
      expected = -1;
    }
  }
  if (!it.status().ok()) return it.status();
  return stats;
}

}  // namespace evbus::persist
