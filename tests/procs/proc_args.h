// Shared bits of the torture processes (tests/procs/torture_*_proc):
// the usage check, numeric arguments, stdout lines written in one write(2),
// and opening a slot of the shared table (tests/fault/ack_table.h), from the
// arguments every consumer proc ends with.
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

// The last arguments of a consumer proc, TABLE SLOTS SLOT UNTIL: acknowledge
// in slot SLOT of the table at TABLE (SLOTS slots), read up to id UNTIL.
struct ConsumerArgs {
  const char* table = nullptr;
  std::uint32_t slots = 0, slot = 0;
  std::uint64_t until = 0;
};

// From argv[at] .. argv[at + 3].
inline ConsumerArgs ParseConsumerArgs(char** argv, int at) {
  return {argv[at], ArgU32(argv[at + 1]), ArgU32(argv[at + 2]), ArgU64(argv[at + 3])};
}

inline bool OpenTableSlot(AckTable* table, const ConsumerArgs& args) {
  return OpenTableSlot(table, args.table, args.slots, args.slot);
}

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_PROCS_PROC_ARGS_H_
