// evbus secrets STREAM patterns ...: the subcommand's pattern actions.
#ifndef EVBUS_TOOLS_EVBUS_CMD_SECRET_PATTERNS_H_
#define EVBUS_TOOLS_EVBUS_CMD_SECRET_PATTERNS_H_

#include <string>
#include <vector>

#include "tools/evbus/stream_args.h"

namespace evbus::cli {

// `words`: what follows "patterns" (empty: list).
int CmdSecretPatterns(const StreamTarget& target, const std::vector<std::string>& words);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_CMD_SECRET_PATTERNS_H_
