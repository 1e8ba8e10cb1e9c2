// DirLock: the LOCK file that makes one persister the only writer of a store.
//
// An open-file-description lock (Env::LockFile) on the whole LOCK file: the
// kernel releases it when the holder dies, however it dies, so a stale LOCK
// file never blocks a restart. The holder writes its pid into the file so
// that a second persister can say who holds the store.
//
// Thread safety: a DirLock object is owned by one thread.
#ifndef EVBUS_PERSIST_DIR_LOCK_H_
#define EVBUS_PERSIST_DIR_LOCK_H_

#include <memory>
#include <string>
#include <utility>

#include "base/file_env.h"
#include "base/status.h"

namespace evbus::persist {

class DirLock {
 public:
  // Takes the lock on `path` (created 0600) through `env` (nullptr: the real
  // file system). Busy, naming the holder's pid, when another process (or
  // another DirLock in this one) holds it; IOError naming the step when the
  // lock or the pid cannot be written (nothing is held then).
  static Result<std::unique_ptr<DirLock>> Acquire(const std::string& path, Env* env = nullptr);
  ~DirLock();  // Release(), its error lost: call Release() to see it
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

  // Drops the lock (closes the file: the lock goes even when close fails,
  // which is reported). Idempotent.
  Status Release();

 private:
  explicit DirLock(std::unique_ptr<LockedFile> file) : file_(std::move(file)) {}
  std::unique_ptr<LockedFile> file_;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_DIR_LOCK_H_
