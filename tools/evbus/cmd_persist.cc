// evbus persist STREAM --root DIR: drains the stream's ring into its store
// (the files `evbus search` and `evbus get` read) until SIGTERM/SIGINT, or
// with --exit-when-idle SECONDS until the stream has been idle that long;
// --openhands-layout also writes OpenHands' own files of every event.
// Exit status 3: another persister already holds the store.
#include <chrono>
#include <string>

#include "persist/idle_exit.h"
#include "persist/persister.h"
#include "persist/run_persister.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

// every | group[:MS] | page | never (and the long names every-event, per-page).
Status ParseFsync(const std::string& text, persist::StoreWriterOptions* writer) {
  std::string name = text, ms;
  if (auto colon = text.find(':'); colon != std::string::npos) {
    name = text.substr(0, colon);
    ms = text.substr(colon + 1);
    if (name != "group") return Status::InvalidArgument("only group takes :MS (group:5)");
  }
  if (name == "every" || name == "every-event") {
    writer->sync_policy = persist::SyncPolicy::kEveryEvent;
  } else if (name == "group") {
    writer->sync_policy = persist::SyncPolicy::kGroup;
  } else if (name == "page" || name == "per-page") {
    writer->sync_policy = persist::SyncPolicy::kPerPage;
  } else if (name == "never") {
    writer->sync_policy = persist::SyncPolicy::kNever;
  } else {
    return Status::InvalidArgument("--fsync expects every, group:MS, page or never, got \"" + text +
                                   "\"");
  }
  if (!ms.empty() || text.back() == ':') {
    auto n = ParseInt(ms, "--fsync group:MS");
    if (!n.ok() || *n < 0) return Status::InvalidArgument("--fsync group:MS expects MS >= 0");
    writer->group_commit_interval = std::chrono::milliseconds(*n);
  }
  return Status::OK();
}

}  // namespace

int CmdPersist(const std::vector<std::string>& argv) {
  auto args = Args::Parse(
      argv,
      FlagSpec{{"--user", "--root", "--fsync", "--exit-when-idle"}, {"--openhands-layout"}, {}}, 1,
      1);
  if (!args.ok()) return UsageError("persist", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("persist", target.status().message());
  auto root = args->Get("--root");
  if (!root || root->empty()) return UsageError("persist", "--root DIR is required");
  persist::PersisterOptions options;
  options.root = *root;
  options.session_id = target->stream;
  options.user_id = target->user;
  if (auto v = args->Get("--fsync")) {
    if (Status st = ParseFsync(*v, &options.writer); !st.ok()) {
      return UsageError("persist", st.message());
    }
  }
  options.openhands_layout = args->Has("--openhands-layout");
  if (auto v = args->Get("--exit-when-idle")) {
    auto period = persist::ParseIdlePeriod(*v);
    if (!period.ok()) return UsageError("persist", period.status().message());
    options.exit_when_idle_ns = period->count();
  }
  // Only to give a missing stream the usual message.
  if (auto segment = OpenSegment(*target); !segment.ok()) return Fail("persist", segment.status());
  return persist::RunPersisterUntilSignal(options, "evbus persist");
}

}  // namespace evbus::cli
