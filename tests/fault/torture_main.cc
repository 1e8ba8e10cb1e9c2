// evbus_torture: runs the fault scenarios of tests/fault/ (docs/reliability.md) and
// prints one table. Exit status 0 when every scenario met its targets (or
// was skipped for a stated reason), 1 when any missed one, 2 on bad usage.
//
//   evbus_torture [--quick] [--soak[=SECONDS]] [--only 1,3,8]
//                 [--fuzz-dir DIR] [--fuzz-seconds N] [--seed N]
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "tests/fault/fault_child.h"
#include "tests/fault/torture.h"

namespace evbus::torture {
namespace {

struct Scenario {
  int number;
  ScenarioResult (*run)(const TortureConfig&);
};
constexpr Scenario kScenarios[] = {
    {1, RunProducerKills},   {2, RunPersisterKills}, {3, RunSubscriberFaults},
    {4, RunStoreCorruption}, {5, RunFuzzing},        {6, RunSecrets},
    {7, RunPermissions},     {8, RunOverload},
};

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--quick] [--soak[=SECONDS]] [--only N,N...] [--fuzz-dir DIR]\n"
               "          [--fuzz-seconds N] [--seed N]\n",
               argv0);
  return 2;
}

bool ParseArgs(int argc, char** argv, TortureConfig* config, std::set<int>* only) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const bool has_next = i + 1 < argc;
    if (a == "--quick") {
      config->quick = true;
    } else if (a == "--soak") {
      config->soak = true;
    } else if (a.rfind("--soak=", 0) == 0) {
      config->soak = true;
      config->soak_seconds = std::atoi(argv[i] + 7);
    } else if (a == "--only" && has_next) {
      for (const char* p = argv[++i]; *p != '\0'; ++p) {
        if (*p >= '1' && *p <= '8') only->insert(*p - '0');
      }
    } else if (a == "--fuzz-dir" && has_next) {
      config->fuzz_dir = argv[++i];
    } else if (a == "--fuzz-seconds" && has_next) {
      config->fuzz_seconds = std::atoi(argv[++i]);
    } else if (a == "--seed" && has_next) {
      config->seed = static_cast<std::uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else {
      return false;
    }
  }
  return true;
}

std::string Stall(double ms) {
  if (ms < 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f ms", ms);
  return buf;
}

std::string Count(std::int64_t n) { return n < 0 ? "-" : std::to_string(n); }

void PrintTable(const std::vector<ScenarioResult>& results, double seconds,
                const TortureConfig& config) {
  std::printf("\nevbus torture (%s mode, seed %u, %.0f s)\n\n", config.quick ? "quick" : "full",
              config.seed, seconds);
  std::printf("| %-26s | %9s | %14s | %4s | %10s | %4s | %7s | %13s | %-6s |\n", "scenario",
              "faults", "events checked", "lost", "duplicated", "torn", "secrets", "longest stall",
              "result");
  std::printf("|%s|%s|%s|%s|%s|%s|%s|%s|%s|\n", std::string(28, '-').c_str(),
              std::string(11, '-').c_str(), std::string(16, '-').c_str(),
              std::string(6, '-').c_str(), std::string(12, '-').c_str(),
              std::string(6, '-').c_str(), std::string(9, '-').c_str(),
              std::string(15, '-').c_str(), std::string(8, '-').c_str());
  for (const ScenarioResult& r : results) {
    const char* verdict = r.skipped ? "skip" : r.ok() ? "ok" : "FAIL";
    std::printf(
        "| %-26s | %9llu | %14llu | %4llu | %10llu | %4llu | %7s | %13s | %-6s |\n", r.name.c_str(),
        static_cast<unsigned long long>(r.faults),
        static_cast<unsigned long long>(r.events_checked), static_cast<unsigned long long>(r.lost),
        static_cast<unsigned long long>(r.duplicated), static_cast<unsigned long long>(r.torn),
        Count(r.secrets_found).c_str(), Stall(r.longest_stall_ms).c_str(), verdict);
  }
  std::printf("\n");
  for (const ScenarioResult& r : results) {
    if (!r.detail.empty()) std::printf("%s: %s\n", r.name.c_str(), r.detail.c_str());
    if (r.skipped) std::printf("%s: skipped: %s\n", r.name.c_str(), r.skip_reason.c_str());
    for (const std::string& f : r.failures)
      std::printf("%s: FAILED: %s\n", r.name.c_str(), f.c_str());
  }
  std::fflush(stdout);
}

}  // namespace
}  // namespace evbus::torture

int main(int argc, char** argv) {
  using namespace evbus::torture;
  TortureConfig config;
  config.binary_dir = EVBUS_BINARY_DIR;
  config.source_dir = EVBUS_SOURCE_DIR;
  std::set<int> only;
  if (!ParseArgs(argc, argv, &config, &only)) return Usage(argv[0]);
  if (config.quick) config.fuzz_seconds = std::min(config.fuzz_seconds, 10);
  ::signal(SIGPIPE, SIG_IGN);
  const auto start = Clock::now();
  std::vector<ScenarioResult> results;
  bool ok = true;
  for (const Scenario& scenario : kScenarios) {
    const int n = scenario.number;
    if (!only.empty() && only.count(n) == 0) continue;
    const auto t0 = Clock::now();
    std::fprintf(stderr, "== scenario %d ...\n", n);
    results.push_back(scenario.run(config));
    const ScenarioResult& r = results.back();
    std::fprintf(stderr, "== scenario %d: %s in %.1f s\n", n,
                 r.skipped ? "skipped"
                 : r.ok()  ? "ok"
                           : "FAILED",
                 std::chrono::duration<double>(Clock::now() - t0).count());
    ok = ok && r.ok();
  }
  PrintTable(results, std::chrono::duration<double>(Clock::now() - start).count(), config);
  return ok ? 0 : 1;
}
