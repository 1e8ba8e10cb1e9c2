// Import from and export to OpenHands' own file layout (docs/compat.md section 8):
//
//   <root>/sessions/<sid>/events/<id>.json           one event per file
//   <root>/sessions/<sid>/event_cache/<a>-<b>.json   JSON array of ids a..b-1 (b = a + 25)
//   (or <root>/users/<uid>/conversations/<sid>/... with a user id)
//
// Import reads every event file and every cache page (a page's copy of an
// event wins over the file, as OpenHands reads them), parses each with
// ParseEvent and appends them in id order to the evbus store. OpenHands' ids
// may have holes (a missing file): evbus ids are dense, so a hole becomes an
// abandoned record, which reads back as missing, as in OpenHands.
//
// Export writes the store's events back as event files and, for every
// complete aligned block of `cache_page_size` ids, a cache page, with the
// persister's writer (persist/openhands_event_files.h): the text OpenHands'
// json.dumps writes. Each file is written beside (<dir>/.evbus-export.tmp)
// and renamed into place, so a failed or interrupted export leaves every
// file whole (old or new); files are not fsynced, as OpenHands' own file
// store does not sync them.
//
// Thread safety: functions of one call's own state; Import takes the store's
// LOCK, so it cannot run beside a persister of the same stream.
#ifndef EVBUS_PERSIST_OPENHANDS_LAYOUT_H_
#define EVBUS_PERSIST_OPENHANDS_LAYOUT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "persist/openhands_event_files.h"
#include "persist/store.h"
#include "persist/store_writer.h"

namespace evbus::persist {

// Told how far a long import or export is: (events done, events in all).
// Called after every event; the caller decides how often to show it.
using LayoutProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

struct ImportStats {
  std::uint64_t imported = 0;          // events appended
  std::uint64_t missing = 0;           // ids without a file or page entry (stored as abandoned)
  std::uint64_t from_cache_pages = 0;  // events whose page copy was used
};

// Appends the OpenHands events of (session_id, user_id) under `openhands_root`
// to the evbus store under `evbus_root` (the two roots may be the same).
// Events with ids below the store's next id are skipped (already imported).
// InvalidArgument names the file of an event that does not parse.
Result<ImportStats> ImportOpenHandsEvents(std::string_view openhands_root,
                                          std::string_view evbus_root, std::string_view session_id,
                                          std::string_view user_id,
                                          const StoreWriterOptions& options = {});

// The same from one OpenHands conversation directory (the one holding events/
// and event_cache/) into the store in `evbus_dir` (EvbusDir()). A directory
// without either imports nothing.
Result<ImportStats> ImportOpenHandsDir(const std::string& conversation_dir,
                                       const std::string& evbus_dir,
                                       const StoreWriterOptions& options = {},
                                       const LayoutProgress& progress = {});

struct ExportStats {
  std::uint64_t events = 0;
  std::uint64_t cache_pages = 0;
};

// Writes every event of `store` into OpenHands' layout under `openhands_root`.
Result<ExportStats> ExportOpenHandsEvents(const Store& store, std::string_view openhands_root,
                                          std::string_view session_id, std::string_view user_id,
                                          std::size_t cache_page_size = kOpenHandsCachePageSize);

// The same into one conversation directory: <dir>/events/<id>.json and
// <dir>/event_cache/<a>-<b>.json.
// `env`: the file layer (nullptr: the real file system).
Result<ExportStats> ExportOpenHandsDir(const Store& store, const std::string& conversation_dir,
                                       std::size_t cache_page_size = kOpenHandsCachePageSize,
                                       const LayoutProgress& progress = {}, Env* env = nullptr);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_OPENHANDS_LAYOUT_H_
