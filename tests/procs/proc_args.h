// Shared bits of the torture processes (tests/procs/torture_*_proc):
// the usage check, numeric arguments, stdout lines written in one write(2),
// and opening a slot of the shared table (tests/fault/ack_table.h).
#ifndef EVBUS_TESTS_PROCS_PROC_ARGS_H_
#define EVBUS_TESTS_PROCS_PROC_ARGS_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fault/ack_table.h"

namespace evbus::torture {

// False (after printing "usage: PROGRAM ARGS" to stderr) unless the program
// got exactly `want` arguments.
inline bool CheckUsage(int argc, char** argv, int want, const char* args) {
  if (argc == want + 1) return true;
  std::fprintf(stderr, "usage: %s %s\n", argv[0], args);
  return false;
}

inline std::uint32_t ArgU32(const char* arg) {
  return static_cast<std::uint32_t>(std::strtoul(arg, nullptr, 10));
}

inline std::uint64_t ArgU64(const char* arg) { return std::strtoull(arg, nullptr, 10); }

// Writes `line` and a newline to stdout in one write; exits 4 if it fails
// (the driver is gone).
inline void WriteLine(const std::string& line) {
  const std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) < 0) std::_Exit(4);
}

// Opens the existing table at `path` with `slots` slots, for slot `slot`;
// false if the slot is out of range or the table cannot be opened.
inline bool OpenTableSlot(AckTable* table, const char* path, std::uint32_t slots,
                          std::uint32_t slot) {
  return slot < slots && table->Open(path, slots, /*create=*/false);
}

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_PROCS_PROC_ARGS_H_
