// DirLock: the LOCK file that makes one persister the only writer of a store.
//
// An open-file-description lock (F_OFD_SETLK) on the whole LOCK file: the
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

#include "base/status.h"

namespace evbus::persist {

class DirLock {
 public:
  // Takes the lock on `path` (created 0600). Busy, naming the holder's pid,
  // when another process (or another DirLock in this one) holds it.
  static Result<std::unique_ptr<DirLock>> Acquire(const std::string& path);
  ~DirLock();  // releases the lock
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  DirLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_DIR_LOCK_H_
