// Who uses a stream, for a persister that exits when nobody does.
//
// <evbus dir>/USERS is a lock file. Every process that opens a stream through
// the persister launcher (stream/persister_launcher.h) holds a shared
// open-file-description lock on it while the stream is open (a
// StreamUserLease); a persister started with --exit-when-idle takes it
// exclusively, without waiting, only to decide that it may exit, and keeps it
// until it is gone. So a launcher either finds the persister still serving
// the stream, or waits until it has gone and starts a new one: never a
// persister that is about to exit. The kernel drops a lock when its holder
// dies, however it dies (kill -9 included).
//
// Thread safety: a lease or lock object belongs to one thread; the functions
// are safe from any thread.
#ifndef EVBUS_PERSIST_STREAM_USERS_H_
#define EVBUS_PERSIST_STREAM_USERS_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace evbus::persist {

std::string UsersLockPath(const std::string& evbus_dir);

// A shared or exclusive OFD lock on the USERS file, released by the
// destructor (or Release()).
class StreamUserLease {
 public:
  StreamUserLease() = default;
  ~StreamUserLease() { Release(); }
  StreamUserLease(StreamUserLease&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  StreamUserLease& operator=(StreamUserLease&& other) noexcept;
  StreamUserLease(const StreamUserLease&) = delete;
  StreamUserLease& operator=(const StreamUserLease&) = delete;

  // A shared lock on the USERS file in `evbus_dir` (which must exist),
  // waiting until `deadline` while an exiting persister holds it: TimedOut
  // then, naming the file.
  static Result<StreamUserLease> AcquireShared(const std::string& evbus_dir,
                                               std::chrono::steady_clock::time_point deadline);
  // The exclusive lock without waiting: Busy while any lease is held.
  static Result<StreamUserLease> TryExclusive(const std::string& evbus_dir);

  bool held() const { return fd_ >= 0; }
  void Release();

 private:
  explicit StreamUserLease(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The pid written in the store's LOCK file when a process holds the lock
// (the store's one persister), 0 when nobody does.
pid_t StoreLockHolder(const std::string& evbus_dir);

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_STREAM_USERS_H_
