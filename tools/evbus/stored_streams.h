// The streams persisted under a store root, for `evbus sessions` and
// `evbus delete`: where they are, what they hold, and whether a persister
// holds them right now.
//
//   <root>/sessions/<sid>/evbus/                    no user
//   <root>/users/<uid>/conversations/<sid>/evbus/   user <uid>
//
// Thread safety: free functions over the file system; no shared state.
#ifndef EVBUS_TOOLS_EVBUS_STORED_STREAMS_H_
#define EVBUS_TOOLS_EVBUS_STORED_STREAMS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {

struct StoredStream {
  std::string stream;
  std::string user;       // "" = no user
  std::string evbus_dir;  // the store's own directory
};

// Every stored stream under `root`, sorted by (user, stream). `user`: only
// that user's streams; std::nullopt: everyone's, and those without a user.
// A root without any store is an empty list; a missing root is NotFound.
Result<std::vector<StoredStream>> ListStoredStreams(const std::string& root,
                                                    const std::optional<std::string>& user);

struct StoredStreamSummary {
  std::int64_t latest_id = -1;  // -1: no events
  std::optional<std::int64_t> first_timestamp_ns, last_timestamp_ns;
  std::uint64_t bytes_on_disk = 0;  // every file in the store directory
  pid_t persister_pid = 0;          // see PersisterPid()
};

// Opens the store read-only and summarises it (first and last event's time).
Result<StoredStreamSummary> SummariseStoredStream(const StoredStream& stored);

// The pid of the process holding the store's LOCK (a running persister), 0
// when nobody holds it, -1 when it is held but the pid cannot be read. Only looks: never takes the
// lock, so it cannot make a persister that starts at the same moment fail.
pid_t PersisterPid(const std::string& evbus_dir);

// Removes the store of `target` under `root`: its evbus/ directory, then the
// conversation directory if that is left empty (OpenHands' own files stay).
// Busy, naming the persister's pid, while a persister holds the store; the
// LOCK is held while files go away. NotFound says how to list what exists.
Status DeleteStoredStream(const StreamTarget& target, const std::string& root);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_STORED_STREAMS_H_
