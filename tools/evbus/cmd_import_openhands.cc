// evbus import-openhands SESSION_DIR STREAM --root DIR [--user U] [--replace]:
// reads an OpenHands conversation directory (events/<id>.json and
// event_cache/<a>-<b>.json) into the stream's store under DIR. A stream that
// already has stored events is left alone unless --replace (which deletes
// its store first, and like `evbus delete` is refused while a persister runs).
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "persist/openhands_layout.h"
#include "persist/store.h"
#include "persist/store_paths.h"
#include "shm/segment.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/progress.h"
#include "tools/evbus/stored_streams.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

namespace fs = std::filesystem;

Status CheckSessionDir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound("SESSION_DIR '" + dir +
                            "' is not a directory: give an OpenHands conversation directory " +
                            "(such as ~/.openhands/sessions/<sid>, the one holding events/)");
  }
  if (!fs::is_directory(fs::path(dir) / "events", ec) &&
      !fs::is_directory(fs::path(dir) / "event_cache", ec)) {
    return Status::NotFound("'" + dir +
                            "' has neither events/ nor event_cache/: it is not an OpenHands " +
                            "conversation directory (give the one holding events/)");
  }
  return Status::OK();
}

// Refuses to mix an import into a stream that already has stored events.
Status CheckTargetEmpty(const StreamTarget& target, const std::string& root,
                        const std::string& evbus_dir) {
  std::error_code ec;
  if (!fs::is_directory(evbus_dir, ec)) return Status::OK();
  auto store = persist::Store::OpenDir(evbus_dir);
  if (store.status().IsNotFound()) return Status::OK();  // a store directory without pages
  if (!store.ok()) return store.status();
  const std::int64_t latest = (*store)->GetLatestEventId();
  if (latest < 0) return Status::OK();
  const std::string flags =
      " --root " + root + (target.user.empty() ? "" : " --user " + target.user);
  return Status::AlreadyExists("stream \"" + target.stream + "\"" + target.user_note() +
                               " already has stored events (ids 0.." + std::to_string(latest) +
                               ") under " + root + "; delete them first (evbus delete " +
                               target.stream + flags + ") or import with --replace");
}

}  // namespace

int CmdImportOpenHands(const std::vector<std::string>& argv) {
  constexpr const char* kName = "import-openhands";
  FlagSpec spec{{"--user", "--root"}, {"--replace"}, {}};
  auto args = Args::Parse(argv, spec, 2, 2);
  if (!args.ok()) return UsageError(kName, args.status().message());
  const std::string session_dir = args->positional()[0];
  StreamTarget target{args->positional()[1], args->GetOr("--user", "")};
  Status st = shm::ValidateNamePart(target.stream, "stream name");
  if (st.ok() && !target.user.empty()) st = shm::ValidateNamePart(target.user, "user id");
  if (!st.ok()) return UsageError(kName, st.message());
  auto root = args->Get("--root");
  if (!root || root->empty()) return UsageError(kName, "--root DIR is required");
  if (st = CheckSessionDir(session_dir); !st.ok()) return Fail(kName, st);
  auto evbus_dir = persist::EvbusDir(*root, target.stream, target.user);
  if (!evbus_dir.ok()) return UsageError(kName, evbus_dir.status().message());
  std::error_code ec;
  if (args->Has("--replace") && fs::is_directory(*evbus_dir, ec)) {
    st = DeleteStoredStream(target, *root);
  } else {
    st = CheckTargetEmpty(target, *root, *evbus_dir);
  }
  if (!st.ok()) return Fail(kName, st);
  Progress progress("imported", "events");
  auto stats = persist::ImportOpenHandsDir(
      session_dir, *evbus_dir, {},
      [&progress](std::uint64_t done, std::uint64_t total) { progress.Update(done, total); });
  progress.Finish();
  if (!stats.ok()) return Fail(kName, stats.status());
  std::printf(
      "{\"stream\":\"%s\",\"user\":\"%s\",\"imported\":%llu,\"missing\":%llu,"
      "\"from_cache_pages\":%llu}\n",
      JsonEscape(target.stream).c_str(), JsonEscape(target.user).c_str(),
      static_cast<unsigned long long>(stats->imported),
      static_cast<unsigned long long>(stats->missing),
      static_cast<unsigned long long>(stats->from_cache_pages));
  return kExitOk;
}

}  // namespace evbus::cli
