// evbus_persister: drains one stream's ring into its store until SIGTERM/SIGINT.
//
//   evbus_persister --root DIR --session SID [--user UID]
//                 [--fsync every-event|group|per-page|never] [--group-ms N]
//                 [--page-bytes N] [--openhands-layout] [--exit-when-idle SECONDS]
//
// --openhands-layout: also write OpenHands' own files of every event
// (sessions/<sid>/events/<id>.json and event_cache/ pages of 25).
// --exit-when-idle SECONDS: exit once the stream has had no other user and
// everything was durable for that long (docs/persist.md).
//
// (Named evbus_persister: the library target evbus_persist owns the name
// evbus_persist; it becomes the `evbus persist` subcommand.)
//
// Exit status: 0 stopped cleanly (everything read is synced), 1 error,
// 2 usage, 3 another persister holds the store.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "persist/persister.h"
#include "persist/run_persister.h"

namespace {

constexpr int kExitUsage = 2;

int Usage(const char* why) {
  std::fprintf(stderr,
               "evbus_persister: %s\nusage: evbus_persister --root DIR --session SID [--user UID] "
               "[--fsync every-event|group|per-page|never] [--group-ms N] [--page-bytes N] "
               "[--openhands-layout] [--exit-when-idle SECONDS]\n",
               why);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  evbus::persist::PersisterOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--openhands-layout") {
      options.openhands_layout = true;
      continue;
    }
    if (i + 1 >= argc) return Usage("every flag but --openhands-layout takes a value");
    const std::string value = argv[++i];
    if (flag == "--root") {
      options.root = value;
    } else if (flag == "--session") {
      options.session_id = value;
    } else if (flag == "--user") {
      options.user_id = value;
    } else if (flag == "--fsync") {
      auto policy = evbus::persist::ParseSyncPolicy(value);
      if (!policy.ok()) return Usage(policy.status().message().c_str());
      options.writer.sync_policy = *policy;
    } else if (flag == "--group-ms") {
      options.writer.group_commit_interval = std::chrono::milliseconds(std::atoll(value.c_str()));
    } else if (flag == "--exit-when-idle") {
      auto period = evbus::persist::ParseIdlePeriod(value);
      if (!period.ok()) return Usage(period.status().message().c_str());
      options.exit_when_idle_ns = period->count();
    } else if (flag == "--page-bytes") {
      options.writer.max_page_bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else {
      return Usage(("unknown flag " + std::string(flag)).c_str());
    }
  }
  if (options.root.empty() || options.session_id.empty())
    return Usage("--root and --session are required");

  return evbus::persist::RunPersisterUntilSignal(options, "evbus_persister");
}
