// evbus export-openhands STREAM OUT_DIR --root DIR [--user U]: writes the
// stream's stored events in OpenHands' layout: OUT_DIR/events/<id>.json and
// OUT_DIR/event_cache/<a>-<b>.json (pages of 25 ids). OUT_DIR must not hold
// events already, so an export never mixes with older files.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "persist/openhands_layout.h"
#include "persist/store.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/progress.h"
#include "tools/evbus/store_args.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

namespace fs = std::filesystem;

Status CheckOutDir(const std::string& out_dir) {
  std::error_code ec;
  for (const char* sub : {"events", "event_cache"}) {
    const fs::path dir = fs::path(out_dir) / sub;
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
      return Status::AlreadyExists("'" + dir.string() +
                                   "' is not empty: export into a new or empty directory");
    }
  }
  if (fs::exists(out_dir, ec) && !fs::is_directory(out_dir, ec)) {
    return Status::InvalidArgument("OUT_DIR '" + out_dir + "' is not a directory");
  }
  return Status::OK();
}

}  // namespace

int CmdExportOpenHands(const std::vector<std::string>& argv) {
  constexpr const char* kName = "export-openhands";
  FlagSpec spec{{"--user", "--root"}, {}, {}};
  auto args = Args::Parse(argv, spec, 2, 2);
  if (!args.ok()) return UsageError(kName, args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError(kName, target.status().message());
  if (!args->Has("--root")) return UsageError(kName, "--root DIR is required");
  const std::string out_dir = args->positional()[1];
  if (Status st = CheckOutDir(out_dir); !st.ok()) return Fail(kName, st);
  auto opened = OpenStoreFromArgs(*args, *target);
  if (!opened.ok()) return Fail(kName, opened.status());
  std::unique_ptr<persist::Store> store = std::move(*opened);
  Progress progress("exported", "events");
  auto stats = persist::ExportOpenHandsDir(
      *store, out_dir, persist::kOpenHandsCachePageSize,
      [&progress](std::uint64_t done, std::uint64_t total) { progress.Update(done, total); });
  progress.Finish();
  if (!stats.ok()) return Fail(kName, stats.status());
  std::printf("{\"stream\":\"%s\",\"user\":\"%s\",\"events\":%llu,\"cache_pages\":%llu}\n",
              JsonEscape(target->stream).c_str(), JsonEscape(target->user).c_str(),
              static_cast<unsigned long long>(stats->events),
              static_cast<unsigned long long>(stats->cache_pages));
  return kExitOk;
}

}  // namespace evbus::cli
