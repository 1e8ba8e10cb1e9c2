// Scenario 5: the libFuzzer targets of fuzz/ (docs/fuzzing.md), each run for
// a set time (--fuzz-seconds; 10 s in quick mode) under ASan and UBSan, from
// a seed corpus where there is one. The count of inputs comes from each
// fuzzer's own final statistics.
//
// Targets: every fuzzer exits cleanly (0 crashes, leaks or sanitizer
// reports). A crash leaves its input as <fuzz-dir>/<target>-crash-<sha1>:
// replay it with `<fuzz-dir>/<target> <file>` and turn it into a regression
// test (docs/fuzzing.md lists the ones found so far).
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "tests/fault/fault_child.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/store_damage.h"
#include "tests/fault/torture.h"

namespace evbus::torture {
namespace {

std::vector<std::string> FuzzTargets(const std::string& dir) {
  std::vector<std::string> targets;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > 5 && name.ends_with("_fuzz") && entry.is_regular_file(ec)) {
      targets.push_back(name);
    }
  }
  std::sort(targets.begin(), targets.end());
  return targets;
}

// event_parse_fuzz starts from real OpenHands events, one per file.
void SeedEventCorpus(const TortureConfig& config, const std::string& corpus) {
  std::ifstream in(config.source_dir + "/../shared/data/openhands-trajectories/canonical.jsonl");
  std::string line;
  for (int n = 0; std::getline(in, line); ++n) {
    WriteWhole(corpus + "/seed_" + std::to_string(n) + ".json", line);
  }
}

// "stat::number_of_executed_units: N" from a fuzzer's log (0 if absent).
std::uint64_t ExecutedUnits(const std::string& log) {
  const std::string text = ReadWhole(log);
  const std::string key = "stat::number_of_executed_units:";
  const std::size_t at = text.rfind(key);
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + key.size()));
}

}  // namespace

ScenarioResult RunFuzzing(const TortureConfig& config) {
  ScenarioResult r;
  r.name = "5 fuzzing";
  if (config.fuzz_dir.empty()) {
    r.Skip("no --fuzz-dir given (make torture builds the fuzz targets and passes it)");
    return r;
  }
  const std::vector<std::string> targets = FuzzTargets(config.fuzz_dir);
  if (targets.empty()) {
    r.Fail("no *_fuzz executables in " + config.fuzz_dir);
    return r;
  }
  // Every fuzz/*_fuzz.cc must have been built: none is skipped unnoticed.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(config.source_dir + "/fuzz", ec)) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() == ".cc" && stem.ends_with("_fuzz") &&
        std::find(targets.begin(), targets.end(), stem) == targets.end()) {
      r.Fail(stem + " is not built in " + config.fuzz_dir);
    }
  }
  const std::string ubsan =
      "halt_on_error=1:print_stacktrace=1:suppressions=" + config.source_dir + "/fuzz/ubsan.supp";
  ::setenv("UBSAN_OPTIONS", ubsan.c_str(), 1);
  evbus::TempDir tmp("evbus_torture_fuzz");
  std::string runs;
  for (const std::string& target : targets) {
    const std::string corpus = tmp.path() + "/" + target;
    std::filesystem::create_directories(corpus);
    if (target == "event_parse_fuzz") SeedEventCorpus(config, corpus);
    const std::string log = config.fuzz_dir + "/" + target + ".torture.log";
    ::unlink(log.c_str());
    FaultChild fuzzer;
    int status = 0;
    const bool started = fuzzer.Start(
        {config.fuzz_dir + "/" + target, "-max_total_time=" + std::to_string(config.fuzz_seconds),
         "-print_final_stats=1", "-artifact_prefix=" + config.fuzz_dir + "/" + target + "-",
         corpus},
        log);
    const bool exited =
        started && fuzzer.Wait(&status, std::chrono::seconds(config.fuzz_seconds + 120));
    const std::uint64_t units = ExecutedUnits(log);
    r.faults += units;
    runs += (runs.empty() ? "" : ", ") + target + " " + std::to_string(units);
    if (!exited || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      r.Fail(target + " crashed or failed (status " + std::to_string(status) + "); see " + log);
    } else if (units == 0) {
      r.Fail(target + " reported no executions; see " + log);
    }
  }
  ::unsetenv("UBSAN_OPTIONS");
  r.detail = std::to_string(targets.size()) + " targets x " + std::to_string(config.fuzz_seconds) +
             " s, inputs run: " + runs + "; 0 crashes";
  if (!r.ok()) r.detail = std::to_string(targets.size()) + " targets, inputs run: " + runs;
  return r;
}

}  // namespace evbus::torture
