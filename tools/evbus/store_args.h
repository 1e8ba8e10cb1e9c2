// --root DIR: the persisted store a subcommand reads, opened with the error
// messages `evbus search` and `evbus get` share.
#ifndef EVBUS_TOOLS_EVBUS_STORE_ARGS_H_
#define EVBUS_TOOLS_EVBUS_STORE_ARGS_H_

#include <memory>

#include "base/status.h"
#include "persist/store.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {

// Opens the store of `target` under --root. A missing --root is a usage
// error; a missing store says how to start persisting the stream.
Result<std::unique_ptr<persist::Store>> OpenStoreFromArgs(const Args& args,
                                                          const StreamTarget& target);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_STORE_ARGS_H_
