// The end of `evbus demo`: what the store holds (searched through
// persist::Store) and a byte scan of the segment and of every store file for
// the registered secret.
#ifndef EVBUS_TOOLS_EVBUS_DEMO_SUMMARY_H_
#define EVBUS_TOOLS_EVBUS_DEMO_SUMMARY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace evbus::cli {

struct StoreSummary {
  std::int64_t events = 0;
  std::int64_t latest_id = -1;
  bool dense = true;                         // ids 0..latest_id, each once, in order
  std::int64_t by_source[4] = {0, 0, 0, 0};  // none, agent, user, environment
  std::int64_t run_actions = 0;
  std::int64_t answered = 0;  // observations whose cause is a run action's id
};

// Searches every event of the stream's store under `root`.
Result<StoreSummary> SummariseStore(const std::string& root, std::string_view stream);

struct SecretScan {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  std::uint64_t found = 0;  // occurrences of the secret
};

// Scans one file, or every regular file below a directory.
SecretScan ScanForSecret(const std::string& path, std::string_view secret);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_DEMO_SUMMARY_H_
