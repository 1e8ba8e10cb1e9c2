// Scenario 5: the libFuzzer targets of fuzz/ (docs/fuzzing.md) under ASan
// and UBSan, two at a time, each from its seed corpus in the repository
// (fuzz/corpus/<target>/, read only; new inputs go to a scratch directory).
// The targets that take bytes evbus did not write (event JSON, ring records,
// page files, JSON to redact) run kDeepFactor times --fuzz-seconds (10 s in
// quick mode, so 30 s), the others --fuzz-seconds. The count of inputs comes
// from each fuzzer's own final statistics.
//
// Targets: every fuzzer exits cleanly (0 crashes, leaks or sanitizer
// reports). A crash leaves its input as <fuzz-dir>/<target>-crash-<sha1>:
// replay it with `<fuzz-dir>/<target> <file>`, turn it into a regression
// test and add it to the target's corpus (docs/fuzzing.md lists the ones
// found so far).
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <set>
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

// Targets that parse bytes from outside (callers, shared memory, disk) get
// more time: shallow bugs there are the ones a quick run must not miss.
constexpr int kDeepFactor = 3;
constexpr int kParallel = 2;  // fuzzers at a time (CI has 2 cores)

int SecondsFor(const std::string& target, const TortureConfig& config) {
  static const std::set<std::string> kDeep = {"event_parse_fuzz", "record_decode_fuzz",
                                              "page_reader_fuzz", "redact_fuzz"};
  return config.fuzz_seconds * (kDeep.count(target) != 0 ? kDeepFactor : 1);
}

// "stat::number_of_executed_units: N" from a fuzzer's log (0 if absent).
std::uint64_t ExecutedUnits(const std::string& log) {
  const std::string text = ReadWhole(log);
  const std::string key = "stat::number_of_executed_units:";
  const std::size_t at = text.rfind(key);
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + key.size()));
}

// Starts `target` on a scratch corpus directory, reading the repository's
// seed corpus of the target (when it has one) as a second, read-only one.
void StartFuzzer(const TortureConfig& config, const std::string& target,
                 const std::string& scratch_root, FaultChild* fuzzer) {
  const std::string corpus = scratch_root + "/" + target;
  std::filesystem::create_directories(corpus);
  const std::string log = config.fuzz_dir + "/" + target + ".torture.log";
  ::unlink(log.c_str());
  std::vector<std::string> argv = {
      config.fuzz_dir + "/" + target,
      "-max_total_time=" + std::to_string(SecondsFor(target, config)), "-print_final_stats=1",
      "-artifact_prefix=" + config.fuzz_dir + "/" + target + "-", corpus};
  const std::string seeds = config.source_dir + "/fuzz/corpus/" + target;
  std::error_code ec;
  if (std::filesystem::is_directory(seeds, ec)) argv.push_back(seeds);
  (void)fuzzer->Start(argv, log);
}

// Waits for `target`'s fuzzer and records its outcome in `r` and `runs`.
void FinishFuzzer(const TortureConfig& config, const std::string& target, FaultChild* fuzzer,
                  ScenarioResult* r, std::string* runs) {
  const std::string log = config.fuzz_dir + "/" + target + ".torture.log";
  int status = 0;
  const bool exited = fuzzer->running() &&
                      fuzzer->Wait(&status, std::chrono::seconds(SecondsFor(target, config) + 120));
  const std::uint64_t units = ExecutedUnits(log);
  r->faults += units;
  *runs += (runs->empty() ? "" : ", ") + target + " " + std::to_string(units);
  if (!exited || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r->Fail(target + " crashed or failed (status " + std::to_string(status) + "); see " + log);
  } else if (units == 0) {
    r->Fail(target + " reported no executions; see " + log);
  }
}

// Every fuzz/*_fuzz.cc must have been built: none is skipped unnoticed.
void CheckEveryTargetBuilt(const TortureConfig& config, const std::vector<std::string>& targets,
                           ScenarioResult* r) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(config.source_dir + "/fuzz", ec)) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() == ".cc" && stem.ends_with("_fuzz") &&
        std::find(targets.begin(), targets.end(), stem) == targets.end()) {
      r->Fail(stem + " is not built in " + config.fuzz_dir);
    }
  }
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
  CheckEveryTargetBuilt(config, targets, &r);
  const std::string ubsan =
      "halt_on_error=1:print_stacktrace=1:suppressions=" + config.source_dir + "/fuzz/ubsan.supp";
  ::setenv("UBSAN_OPTIONS", ubsan.c_str(), 1);
  evbus::TempDir tmp("evbus_torture_fuzz");
  // Longest first, so that targets of the same length run side by side.
  std::vector<std::string> order = targets;
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    return SecondsFor(a, config) > SecondsFor(b, config);
  });
  std::string runs;
  for (std::size_t first = 0; first < order.size(); first += kParallel) {
    const std::size_t end = std::min(order.size(), first + kParallel);
    std::vector<FaultChild> fuzzers(end - first);
    for (std::size_t i = first; i < end; ++i)
      StartFuzzer(config, order[i], tmp.path(), &fuzzers[i - first]);
    for (std::size_t i = first; i < end; ++i) {
      FinishFuzzer(config, order[i], &fuzzers[i - first], &r, &runs);
    }
  }
  ::unsetenv("UBSAN_OPTIONS");
  r.detail = std::to_string(targets.size()) + " targets (" + std::to_string(config.fuzz_seconds) +
             " s, parsers of outside bytes x" + std::to_string(kDeepFactor) +
             ", two at a time), inputs run: " + runs + "; 0 crashes";
  if (!r.ok()) r.detail = std::to_string(targets.size()) + " targets, inputs run: " + runs;
  return r;
}

}  // namespace evbus::torture
