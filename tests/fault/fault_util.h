// Small pieces shared by the torture scenarios: names, paths, random fault
// moments, RSS of a process, file scans.
#ifndef EVBUS_TESTS_FAULT_FAULT_UTIL_H_
#define EVBUS_TESTS_FAULT_FAULT_UTIL_H_

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "tests/fault/torture.h"

namespace evbus::torture {

// A stream name unique to this driver run: "<prefix>-<pid>".
std::string UniqueStream(std::string_view prefix);

// The helper executable `name` in the build directory.
std::string Helper(const TortureConfig& config, std::string_view name);

// A path for an ack table (under /dev/shm, not named like a segment).
std::string AckTablePath(std::string_view stream);

// Blocks for `micros` microseconds: the moment a fault is injected (a kill at
// a random point), never a way to wait for something to happen.
void FaultDelay(std::uint32_t micros);

// Resident set size of `pid` in KiB (0 if it cannot be read).
std::uint64_t RssKib(int pid);

// Occurrences of each of `needles` in the file at `path` (read whole).
std::uint64_t CountInFile(const std::string& path, const std::vector<std::string>& needles);

// Every regular file under `dir`, recursively.
std::vector<std::string> FilesUnder(const std::string& dir);

// Adds an "X exceeded target Y" failure when value > limit.
void ExpectAtMost(ScenarioResult* r, std::string_view what, double value, double limit);

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_FAULT_UTIL_H_
