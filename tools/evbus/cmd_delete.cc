// evbus delete STREAM --root DIR [--user U]: removes a stream's store (its
// evbus/ directory, and the conversation directory if nothing else is left
// in it). Refused while a persister holds the store: delete takes the store's
// LOCK itself first, so no persister can be writing while files go away.
#include <cstdio>
#include <string>

#include "tools/evbus/cli.h"
#include "tools/evbus/stored_streams.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {

int CmdDelete(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--root"}, {}, {}};
  auto args = Args::Parse(argv, spec, 1, 1);
  if (!args.ok()) return UsageError("delete", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("delete", target.status().message());
  auto root = args->Get("--root");
  if (!root || root->empty()) return UsageError("delete", "--root DIR is required");
  if (Status st = DeleteStoredStream(*target, *root); !st.ok()) return Fail("delete", st);
  std::fprintf(stderr, "evbus delete: deleted the stored stream \"%s\"%s under %s\n",
               target->stream.c_str(), target->user_note().c_str(), root->c_str());
  return kExitOk;
}

}  // namespace evbus::cli
