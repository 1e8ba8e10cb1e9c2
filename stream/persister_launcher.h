// Starting the stream's persister from the program that opens the stream,
// and waiting until what it added is durable (docs/persist.md, "The
// launcher"). What evbus's Python module calls on open and on close().
//
//   auto lease = EnsurePersister(launch);   // after the stream is opened
//   ... add events ...
//   WaitDurable(stream.segment(), last_id, timeout);   // close(): durable
//   lease = {};                              // closed: the persister may go
//
// EnsurePersister returns at once when a live persister holds the stream
// (a live durable subscriber "persister" in the segment). Otherwise it starts
// evbus_persister as its own process (double fork, new session, stdin from
// /dev/null, stdout and stderr appended to <store dir>/evbus/persister.log,
// no descriptor of the caller inherited) and waits until one is registered.
// Many processes calling at once start several, of which exactly one takes
// the store's LOCK; the others exit with "already held" (exit 3), and every
// caller returns the winner.
//
// Thread safety: the functions are safe from any thread; a PersisterLease
// belongs to one thread.
#ifndef EVBUS_STREAM_PERSISTER_LAUNCHER_H_
#define EVBUS_STREAM_PERSISTER_LAUNCHER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"
#include "persist/stream_users.h"
#include "shm/segment.h"

namespace evbus {

class EventStream;

struct PersisterLaunch {
  std::string root;        // the store root (OpenHands' file store root)
  std::string session_id;  // the stream
  std::string user_id;     // optional
  // The evbus_persister executable; empty: FindPersisterExecutable().
  std::string executable;
  // Also keep OpenHands' own files (--openhands-layout).
  bool openhands_layout = false;
  // --exit-when-idle: the persister exits this long after the last user
  // closed the stream and everything was durable. 0: it runs until stopped.
  std::chrono::milliseconds exit_when_idle{5000};
  std::string fsync = "group";  // --fsync: every-event, group, per-page, never
  // How long to wait for a persister to register (a new one recovers the
  // store first).
  std::chrono::milliseconds ready_timeout{10000};
};

struct PersisterLease {
  pid_t persister_pid = 0;  // the stream's persister
  bool started = false;     // this call started it
  std::string log_path;     // where launched persisters write their log
  // Held while the stream is open: a persister with --exit-when-idle stays
  // while any process holds one. Drop it (or let it go) on close.
  persist::StreamUserLease users;
};

// $EVBUS_PERSISTER if set, else evbus_persister beside this process's own
// executable, else the first on $PATH. NotFound says how to give it.
Result<std::string> FindPersisterExecutable();

// The pid of the live persister registered in `segment` (a live durable
// subscriber named "persister" whose process is not dying), 0 when there is
// none.
pid_t LivePersister(const shm::Segment& segment);

// Ensures one persister runs for the stream (its segment must exist: open
// the stream first) and takes a user lease. Errors: NotFound (no stream, no
// executable), TimedOut (no persister registered in time; the log's last
// line says why), or the launched persister's own error when it exited.
Result<PersisterLease> EnsurePersister(const PersisterLaunch& launch);

// Returns once the persister's durable cursor has passed `id` (every id up
// to `id` is in the store and synced). TimedOut after `timeout`, naming the
// persister and how far it got; Unavailable at once when no persister was
// ever registered for the stream; InvalidArgument for an id never handed out.
Status WaitDurable(const shm::Segment& segment, std::int64_t id, std::chrono::milliseconds timeout);
Status WaitDurable(const EventStream& stream, std::int64_t id, std::chrono::milliseconds timeout);

}  // namespace evbus

#endif  // EVBUS_STREAM_PERSISTER_LAUNCHER_H_
