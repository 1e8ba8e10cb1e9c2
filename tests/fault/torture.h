// The reliability and security gauntlet (`make torture`): what every
// scenario reports, how the driver configures them, and the scenario entry
// points (one file each under tests/fault/).
//
// Every figure in a ScenarioResult comes from checks the scenario made
// (ids read back, bytes scanned), never from a constant. A scenario that
// misses a target says which one in `failures`; the driver exits non-zero.
#ifndef EVBUS_TESTS_FAULT_TORTURE_H_
#define EVBUS_TESTS_FAULT_TORTURE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace evbus::torture {

struct TortureConfig {
  bool quick = false;      // ~1-2 minutes in all (CI)
  bool soak = false;       // the overload scenario runs for soak_seconds
  int soak_seconds = 600;  // --soak: 10 minutes unless told otherwise
  int fuzz_seconds = 20;   // per libFuzzer target
  std::string binary_dir;  // helper processes and evbus_persister
  std::string fuzz_dir;    // where the *_fuzz executables are ("" = skip)
  std::string source_dir;  // the repository (fuzz seeds)
  std::uint32_t seed = 20261126;
  // Scales a full-mode count down in quick mode (never below `minimum`).
  int Count(int full, int quick_count) const { return quick ? quick_count : full; }
};

struct ScenarioResult {
  std::string name;
  std::uint64_t faults = 0;          // kills, stops, flips, full disks, fuzz inputs ...
  std::uint64_t events_checked = 0;  // ids actually read back and verified
  std::uint64_t lost = 0;            // acknowledged/committed ids never read back
  std::uint64_t duplicated = 0;      // ids (or producer sequence numbers) read twice
  std::uint64_t torn = 0;            // records delivered whose payload did not check out
  std::int64_t secrets_found = -1;   // secret occurrences in segment/store; < 0: not scanned
  double longest_stall_ms = -1;      // < 0: not measured by this scenario
  std::string detail;                // one line of extra facts (abandoned ids, RSS ...)
  bool skipped = false;
  std::string skip_reason;
  std::vector<std::string> failures;  // targets missed, each said for a person

  bool ok() const { return failures.empty(); }
  void Fail(const std::string& why) { failures.push_back(why); }
  void Skip(const std::string& why) {
    skipped = true;
    skip_reason = why;
  }
};

// 1..8 as docs/reliability.md numbers them.
ScenarioResult RunProducerKills(const TortureConfig& config);
ScenarioResult RunPersisterKills(const TortureConfig& config);
ScenarioResult RunSubscriberFaults(const TortureConfig& config);
ScenarioResult RunStoreCorruption(const TortureConfig& config);
ScenarioResult RunFuzzing(const TortureConfig& config);
ScenarioResult RunSecrets(const TortureConfig& config);
ScenarioResult RunPermissions(const TortureConfig& config);
ScenarioResult RunOverload(const TortureConfig& config);

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_TORTURE_H_
