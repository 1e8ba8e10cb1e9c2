#include "persist/dir_lock.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/file_env.h"

namespace evbus::persist {

Result<std::unique_ptr<DirLock>> DirLock::Acquire(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, kOwnerOnlyFileMode);
  if (fd < 0) return PosixError("cannot open the lock file", path, errno);
  struct flock lock = {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (::fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    const int err = errno;
    if (err != EAGAIN && err != EACCES) {
      ::close(fd);
      return PosixError("cannot lock", path, err);
    }
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    // F_OFD_GETLK reports l_pid = -1 for OFD locks, so the pid comes from the file.
    return Status::Busy("the store '" + path + "' is held by another persister (pid " + pid +
                        "): stop that process first, or persist another stream");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    const int err = errno;
    ::close(fd);
    return PosixError("cannot write the pid into", path, err);
  }
  return std::unique_ptr<DirLock>(new DirLock(path, fd));
}

DirLock::~DirLock() {
  // Closing the last descriptor of the open file description drops the lock.
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace evbus::persist
