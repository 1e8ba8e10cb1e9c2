#include "persist/run_persister.h"

#include <signal.h>

#include <cstdio>
#include <string>

namespace evbus::persist {
namespace {

Persister* g_persister = nullptr;

extern "C" void OnStopSignal(int) {
  if (g_persister != nullptr) g_persister->RequestStop();  // one relaxed atomic store
}

class StderrReporter : public Reporter {
 public:
  explicit StderrReporter(std::string prefix) : prefix_(std::move(prefix)) {}
  void Corruption(const std::string& file, std::uint64_t offset, std::uint64_t bytes,
                  const Status& reason) override {
    std::fprintf(stderr, "%s: %s: offset %llu: dropped %llu bytes: %s\n", prefix_.c_str(),
                 file.c_str(), static_cast<unsigned long long>(offset),
                 static_cast<unsigned long long>(bytes), reason.ToString().c_str());
  }

 private:
  std::string prefix_;
};

}  // namespace

int RunPersisterUntilSignal(PersisterOptions options, const std::string& prefix) {
  StderrReporter reporter(prefix);
  if (options.writer.reporter == nullptr) options.writer.reporter = &reporter;
  if (!options.log) {
    options.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  }
  auto persister = Persister::Open(options);
  if (!persister.ok()) {
    std::fprintf(stderr, "%s: %s\n", prefix.c_str(), persister.status().ToString().c_str());
    return persister.status().code() == Status::Code::kBusy ? kRunExitBusy : kRunExitError;
  }
  g_persister = persister->get();
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  std::fprintf(stderr, "%s: persisting '%s' from id %llu (fsync %s)\n", prefix.c_str(),
               options.session_id.c_str(), static_cast<unsigned long long>((*persister)->next_id()),
               std::string(SyncPolicyName(options.writer.sync_policy)).c_str());
  const Status s = (*persister)->Run();
  g_persister = nullptr;
  const auto& stats = (*persister)->stats();
  std::fprintf(stderr, "%s: stopped at id %llu: %llu persisted, %llu abandoned, %llu lost%s%s\n",
               prefix.c_str(), static_cast<unsigned long long>((*persister)->durable_next_id()),
               static_cast<unsigned long long>(stats.persisted),
               static_cast<unsigned long long>(stats.abandoned),
               static_cast<unsigned long long>(stats.lost), s.ok() ? "" : ": ",
               s.ok() ? "" : s.ToString().c_str());
  return s.ok() ? kRunExitOk : kRunExitError;
}

}  // namespace evbus::persist
