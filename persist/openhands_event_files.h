// OpenHandsEventFiles: keeps OpenHands' own files of a conversation beside
// the evbus store, as OpenHands' EventStream writes them (the persister's
// --openhands-layout option; docs/persist.md, "OpenHands layout"):
//
//   <conversation dir>/events/<id>.json               json.dumps(event dict)
//   <conversation dir>/event_cache/<a>-<a+25>.json    json.dumps([dicts a..a+24])
//
// The text is Python's json.dumps form (persist/python_json.h), so a file is
// byte for byte what OpenHands would have written for the same (redacted)
// event. A cache page is written when the last id of an aligned block of 25
// arrives and every id of the block has an event file; a block with a
// missing id gets no page (OpenHands' EventStore then reads the files, and
// skips the missing one, as it does for OpenHands' own holes).
//
// Each file is written beside (<dir>/.evbus-layout.tmp) and renamed into
// place: a reader sees it whole or not at all, and a writer killed at any
// point leaves only whole files. Not fsynced, as OpenHands' own file store
// does not sync either: the evbus store is what is durable, and CatchUp
// rewrites from it what a crash lost.
//
// Thread safety: one thread (the persister's). One writer per directory (the
// persister holds the store's LOCK).
#ifndef EVBUS_PERSIST_OPENHANDS_EVENT_FILES_H_
#define EVBUS_PERSIST_OPENHANDS_EVENT_FILES_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/file_env.h"
#include "base/status.h"
#include "persist/store.h"

namespace evbus::persist {

inline constexpr std::size_t kOpenHandsCachePageSize = 25;  // OpenHands' cache_size

struct OpenHandsFilesOptions {
  std::size_t cache_page_size = kOpenHandsCachePageSize;  // 0: no cache pages
  Env* env = nullptr;                                     // nullptr: the real file system
  // The temporary file beside events/ and the words of a failed write
  // (evbus export-openhands uses its own).
  std::string tmp_name = ".evbus-layout.tmp";
  std::string error_prefix = "cannot write OpenHands' file";
  std::string error_suffix =
      "; the evbus store keeps the event, and the next persister start writes the file again: "
      "fix the cause";
};

class OpenHandsEventFiles {
 public:
  // Files under `conversation_dir` (ConversationDir()); creates events/ and
  // event_cache/ (0700).
  static Result<std::unique_ptr<OpenHandsEventFiles>> Open(
      const std::string& conversation_dir, const OpenHandsFilesOptions& options = {});

  // Writes events/<id>.json from `json` (the event as evbus stores it, id
  // included) and the cache page that `id` completes. Ids come in
  // increasing order; writing one again writes the same bytes.
  Status Add(std::uint64_t id, std::string_view json);

  // Writes every event file and cache page that `store` implies and the
  // directory lacks (the option turned on for an existing store, or files a
  // crash lost). Returns how many files it wrote.
  Result<std::uint64_t> CatchUp(const Store& store);

  std::uint64_t event_files_written() const { return events_written_; }
  std::uint64_t pages_written() const { return pages_written_; }
  std::string EventPath(std::uint64_t id) const;
  std::string CachePagePath(std::uint64_t start) const;

 private:
  OpenHandsEventFiles(std::string dir, const OpenHandsFilesOptions& options);
  Status WriteFile(const std::string& path, std::string_view data);
  // Remembers `text` for the page of `id`; writes the page if `id` ends it.
  Status AddToPage(std::uint64_t id, std::string text, bool write_page);
  Status WritePage();

  std::string dir_;
  OpenHandsFilesOptions options_;
  Env* env_;
  std::size_t page_size_;
  std::string tmp_path_;
  std::uint64_t events_written_ = 0;
  std::uint64_t pages_written_ = 0;
  std::uint64_t page_start_ = 0;
  std::vector<std::string> page_texts_;  // Python-form text per id of the page; "" unknown
  std::string scratch_;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_OPENHANDS_EVENT_FILES_H_
