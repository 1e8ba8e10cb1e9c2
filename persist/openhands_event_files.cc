#include "persist/openhands_event_files.h"

#include <charconv>
#include <set>

#include "persist/python_json.h"

namespace evbus::persist {
namespace {

// "<a>.json" or "<a>-<b>.json" -> a.
bool LeadingId(std::string_view name, std::uint64_t* id) {
  if (name.size() <= 5 || name.substr(name.size() - 5) != ".json") return false;
  auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size() - 5, *id);
  return ec == std::errc() && (*ptr == '.' || *ptr == '-');
}

Result<std::set<std::uint64_t>> ListIds(Env* env, const std::string& dir) {
  auto names = env->ListDir(dir);
  if (!names.ok()) return names.status();
  std::set<std::uint64_t> ids;
  for (const std::string& name : *names) {
    std::uint64_t id = 0;
    if (LeadingId(name, &id)) ids.insert(id);
  }
  return ids;
}

}  // namespace

OpenHandsEventFiles::OpenHandsEventFiles(std::string dir, const OpenHandsFilesOptions& options)
    : dir_(std::move(dir)),
      options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()),
      page_size_(options.cache_page_size),
      tmp_path_(JoinPath(dir_, options.tmp_name)),
      page_texts_(options.cache_page_size) {}

Result<std::unique_ptr<OpenHandsEventFiles>> OpenHandsEventFiles::Open(
    const std::string& conversation_dir, const OpenHandsFilesOptions& options) {
  std::unique_ptr<OpenHandsEventFiles> files(new OpenHandsEventFiles(conversation_dir, options));
  Env* env = files->env_;
  EVBUS_RETURN_IF_ERROR(env->CreateDirs(JoinPath(conversation_dir, "events"), kOwnerOnlyDirMode));
  EVBUS_RETURN_IF_ERROR(
      env->CreateDirs(JoinPath(conversation_dir, "event_cache"), kOwnerOnlyDirMode));
  return files;
}

std::string OpenHandsEventFiles::EventPath(std::uint64_t id) const {
  return JoinPath(JoinPath(dir_, "events"), std::to_string(id) + ".json");
}

std::string OpenHandsEventFiles::CachePagePath(std::uint64_t start) const {
  return JoinPath(JoinPath(dir_, "event_cache"),
                  std::to_string(start) + "-" + std::to_string(start + page_size_) + ".json");
}

// Beside the final file, renamed over it: whole or absent, never a part.
Status OpenHandsEventFiles::WriteFile(const std::string& path, std::string_view data) {
  if (env_->FileExists(tmp_path_)) {  // left by a writer that died
    EVBUS_RETURN_IF_ERROR(env_->RemoveFile(tmp_path_));
  }
  auto file = env_->NewWritableFile(tmp_path_, kOwnerOnlyFileMode);
  Status s = file.status();
  if (file.ok()) {
    s = (*file)->Append(data);
    const Status closed = (*file)->Close();
    if (s.ok()) s = closed;
    if (s.ok()) s = env_->RenameFile(tmp_path_, path);
    if (!s.ok()) (void)env_->RemoveFile(tmp_path_);
  }
  return AddContext(s, options_.error_prefix + " '" + path + "': ", options_.error_suffix);
}

Status OpenHandsEventFiles::Add(std::uint64_t id, std::string_view json) {
  std::string text;
  EVBUS_RETURN_IF_ERROR(AppendPythonJson(json, &text));
  EVBUS_RETURN_IF_ERROR(WriteFile(EventPath(id), text));
  ++events_written_;
  return AddToPage(id, std::move(text), /*write_page=*/true);
}

Status OpenHandsEventFiles::AddToPage(std::uint64_t id, std::string text, bool write_page) {
  if (page_size_ == 0) return Status::OK();
  const std::uint64_t start = id - id % page_size_;
  if (start != page_start_) {
    page_start_ = start;
    for (std::string& t : page_texts_) t.clear();
  }
  page_texts_[id - start] = std::move(text);
  if (id + 1 != start + page_size_ || !write_page) return Status::OK();
  return WritePage();
}

// json.dumps(list of dicts) is "[" + ", ".join(json.dumps(d)) + "]". Ids the
// page does not hold in memory (a restart inside the page) come from their
// files; a block with an id that has no file gets no page.
Status OpenHandsEventFiles::WritePage() {
  scratch_ = "[";
  for (std::size_t k = 0; k < page_size_; ++k) {
    std::string& text = page_texts_[k];
    if (text.empty()) {
      const std::string path = EventPath(page_start_ + k);
      if (!env_->FileExists(path)) return Status::OK();
      EVBUS_RETURN_IF_ERROR(env_->ReadFile(path, &text));
    }
    if (k > 0) scratch_ += ", ";
    scratch_ += text;
  }
  scratch_ += "]";
  EVBUS_RETURN_IF_ERROR(WriteFile(CachePagePath(page_start_), scratch_));
  ++pages_written_;
  return Status::OK();
}

Result<std::uint64_t> OpenHandsEventFiles::CatchUp(const Store& store) {
  auto have_events = ListIds(env_, JoinPath(dir_, "events"));
  if (!have_events.ok()) return have_events.status();
  auto have_pages = ListIds(env_, JoinPath(dir_, "event_cache"));
  if (!have_pages.ok()) return have_pages.status();
  std::uint64_t written = 0;
  EventIterator it = store.Search(SearchQuery());
  while (it.Next()) {
    const auto id = static_cast<std::uint64_t>(it.meta().id);
    std::string text;
    EVBUS_RETURN_IF_ERROR(AppendPythonJson(it.json(), &text));
    if (have_events->count(id) == 0) {
      EVBUS_RETURN_IF_ERROR(WriteFile(EventPath(id), text));
      ++events_written_;
      ++written;
    }
    const std::uint64_t pages_before = pages_written_;
    const bool page_missing = page_size_ > 0 && have_pages->count(id - id % page_size_) == 0;
    const bool ends_page = page_size_ > 0 && (id + 1) % page_size_ == 0;
    EVBUS_RETURN_IF_ERROR(AddToPage(id, std::move(text), /*write_page=*/false));
    if (page_missing && ends_page) {
      EVBUS_RETURN_IF_ERROR(WritePage());
      written += pages_written_ - pages_before;
    }
  }
  EVBUS_RETURN_IF_ERROR(it.status());
  return written;
}

}  // namespace evbus::persist
