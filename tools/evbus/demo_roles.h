// The processes of `evbus demo` (each runs in a forked child): an "agent"
// that sends user messages and run actions, a "runtime" that answers every
// run action with an observation caused by it (every tenth output holds the
// registered secret), and a "server" that reads everything and reports
// delivery latency. Each redacts with the stream's shared secret set.
#ifndef EVBUS_TOOLS_EVBUS_DEMO_ROLES_H_
#define EVBUS_TOOLS_EVBUS_DEMO_ROLES_H_

#include <cstdint>
#include <string_view>

#include "tools/evbus/stream_args.h"

namespace evbus::cli {

inline constexpr int kDemoRunActions = 200;
inline constexpr int kDemoMessages = kDemoRunActions / 2;
inline constexpr int kDemoTotalEvents = kDemoMessages + 2 * kDemoRunActions;
inline constexpr std::string_view kDemoSecret = "ghp_demoToken4f9a2c7e81b3";
// The agent pauses this long after each step, so that the scene lasts about
// as long as the inspector watches it (about 3 s).
inline constexpr std::int64_t kDemoStepPauseNs = 12'000'000;

// Exit codes: kExitOk or kExitError (with a line on stderr).
int RunDemoAgent(const StreamTarget& target);
int RunDemoRuntime(const StreamTarget& target, int ready_fd);
// Writes its report (counts, latency percentiles) to report_fd.
int RunDemoServer(const StreamTarget& target, int ready_fd, int report_fd);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_DEMO_ROLES_H_
