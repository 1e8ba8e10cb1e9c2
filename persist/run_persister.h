// RunPersisterUntilSignal: what the `evbus persist` subcommand and the
// evbus_persister executable both do: open a Persister, drain the stream
// until SIGTERM/SIGINT, report progress and the final state on stderr.
//
// Thread safety: installs process-wide SIGTERM/SIGINT handlers; call from
// one thread, once at a time.
#ifndef EVBUS_PERSIST_RUN_PERSISTER_H_
#define EVBUS_PERSIST_RUN_PERSISTER_H_

#include <string>

#include "persist/persister.h"

namespace evbus::persist {

inline constexpr int kRunExitOk = 0;     // stopped cleanly, everything read is synced
inline constexpr int kRunExitError = 1;  // could not open, or Run failed
inline constexpr int kRunExitBusy = 3;   // another persister holds the store

// `options.writer.reporter` and `options.log` are filled in (stderr) when
// unset. Messages start with `prefix` ("evbus persist", "evbus_persister").
int RunPersisterUntilSignal(PersisterOptions options, const std::string& prefix);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_RUN_PERSISTER_H_
