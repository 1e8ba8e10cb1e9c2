#include "persist/stream_users.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "base/file_env.h"
#include "persist/store_paths.h"

namespace evbus::persist {
namespace {

constexpr auto kRetryInterval = std::chrono::milliseconds(1);

Result<int> OpenUsersFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kOwnerOnlyFileMode);
  if (fd < 0) {
    return Status::IOError("cannot open the stream's users file '" + path +
                           "': " + std::strerror(errno) +
                           ": check that the store directory is writable by this user");
  }
  return fd;
}

// F_OFD_SETLK of the whole file; 0, or the errno.
int SetLock(int fd, short type) {
  struct flock lock = {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  return ::fcntl(fd, F_OFD_SETLK, &lock) == 0 ? 0 : errno;
}

}  // namespace

std::string UsersLockPath(const std::string& evbus_dir) { return JoinPath(evbus_dir, "USERS"); }

StreamUserLease& StreamUserLease::operator=(StreamUserLease&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void StreamUserLease::Release() {
  if (fd_ >= 0) (void)::close(fd_);  // the lock goes with the descriptor
  fd_ = -1;
}

Result<StreamUserLease> StreamUserLease::AcquireShared(
    const std::string& evbus_dir, std::chrono::steady_clock::time_point deadline) {
  const std::string path = UsersLockPath(evbus_dir);
  auto fd = OpenUsersFile(path);
  if (!fd.ok()) return fd.status();
  StreamUserLease lease(*fd);
  for (;;) {
    const int err = SetLock(*fd, F_RDLCK);
    if (err == 0) return lease;
    if (err != EAGAIN && err != EACCES) {
      return Status::IOError("cannot lock the stream's users file '" + path +
                             "': " + std::strerror(err));
    }
    // An exiting persister holds it for as long as its last sync takes.
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::TimedOut("the stream's users file '" + path +
                              "' stayed locked by an exiting persister: check its log "
                              "(persister.log beside it) and retry");
    }
    std::this_thread::sleep_for(kRetryInterval);
  }
}

Result<StreamUserLease> StreamUserLease::TryExclusive(const std::string& evbus_dir) {
  const std::string path = UsersLockPath(evbus_dir);
  auto fd = OpenUsersFile(path);
  if (!fd.ok()) return fd.status();
  StreamUserLease lease(*fd);
  const int err = SetLock(*fd, F_WRLCK);
  if (err == 0) return lease;
  if (err == EAGAIN || err == EACCES) {
    return Status::Busy("the stream '" + evbus_dir + "' has users");
  }
  return Status::IOError("cannot lock the stream's users file '" + path +
                         "': " + std::strerror(err));
}

pid_t StoreLockHolder(const std::string& evbus_dir) {
  const std::string path = LockPath(evbus_dir);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct flock probe = {};
  probe.l_type = F_WRLCK;
  probe.l_whence = SEEK_SET;
  pid_t holder = 0;
  if (::fcntl(fd, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK) {
    char text[32] = {};
    const ssize_t n = ::pread(fd, text, sizeof(text) - 1, 0);
    holder = n > 0 ? static_cast<pid_t>(std::atol(text)) : -1;  // -1: held, pid not written yet
  }
  (void)::close(fd);
  return holder;
}

}  // namespace evbus::persist
