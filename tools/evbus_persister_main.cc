// evbus_persister: drains one stream's ring into its store until SIGTERM/SIGINT.
//
//   evbus_persister --root DIR --session SID [--user UID]
//                 [--fsync every-event|group|per-page|never] [--group-ms N]
//                 [--page-bytes N]
//
// (Named evbus_persister: the library target evbus_persist owns the name
// evbus_persist; it becomes the `evbus persist` subcommand.)
//
// Exit status: 0 stopped cleanly (everything read is synced), 1 error,
// 2 usage, 3 another persister holds the store.
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "persist/persister.h"

namespace {

constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 2, kExitBusy = 3;

evbus::persist::Persister* g_persister = nullptr;

extern "C" void OnStopSignal(int) {
  if (g_persister != nullptr) g_persister->RequestStop();  // one relaxed atomic store
}

class StderrReporter : public evbus::persist::Reporter {
 public:
  void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                  const evbus::Status& reason) override {
    std::fprintf(stderr, "evbus persist: %s: offset %llu: dropped %llu bytes: %s\n", file.c_str(),
                 static_cast<unsigned long long>(offset), static_cast<unsigned long long>(bytes),
                 reason.ToString().c_str());
  }
};

int Usage(const char* why) {
  std::fprintf(stderr,
               "evbus_persister: %s\nusage: evbus_persister --root DIR --session SID [--user UID] "
               "[--fsync every-event|group|per-page|never] [--group-ms N] [--page-bytes N]\n",
               why);
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  evbus::persist::PersisterOptions options;
  StderrReporter reporter;
  options.writer.reporter = &reporter;
  options.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return Usage("every flag takes a value");
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
    } else if (flag == "--page-bytes") {
      options.writer.max_page_bytes = std::strtoull(value.c_str(), nullptr, 10);
    } else {
      return Usage(("unknown flag " + std::string(flag)).c_str());
    }
  }
  if (options.root.empty() || options.session_id.empty())
    return Usage("--root and --session are required");

  auto persister = evbus::persist::Persister::Open(options);
  if (!persister.ok()) {
    std::fprintf(stderr, "evbus_persister: %s\n", persister.status().ToString().c_str());
    return persister.status().code() == evbus::Status::Code::kBusy ? kExitBusy : kExitError;
  }
  g_persister = persister->get();
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::fprintf(stderr, "evbus_persister: persisting '%s' from id %llu (fsync %s)\n",
               options.session_id.c_str(), static_cast<unsigned long long>((*persister)->next_id()),
               std::string(evbus::persist::SyncPolicyName(options.writer.sync_policy)).c_str());
  const evbus::Status s = (*persister)->Run();
  g_persister = nullptr;
  const auto& stats = (*persister)->stats();
  std::fprintf(
      stderr,
      "evbus_persister: stopped at id %llu: %llu persisted, %llu abandoned, %llu lost%s%s\n",
      static_cast<unsigned long long>((*persister)->durable_next_id()),
      static_cast<unsigned long long>(stats.persisted),
      static_cast<unsigned long long>(stats.abandoned), static_cast<unsigned long long>(stats.lost),
      s.ok() ? "" : ": ", s.ok() ? "" : s.ToString().c_str());
  return s.ok() ? kExitOk : kExitError;
}
