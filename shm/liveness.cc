// OFD locks on the shared-memory object and process identity from /proc.
#include "shm/liveness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace evbus::shm {
namespace {

struct flock OneByte(short type, std::uint32_t byte) {
  struct flock fl;
  std::memset(&fl, 0, sizeof(fl));
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = static_cast<off_t>(byte);
  fl.l_len = 1;
  fl.l_pid = 0;  // required for OFD locks
  return fl;
}

}  // namespace

LivenessLock::~LivenessLock() { Release(); }

void LivenessLock::Release() {
  if (fd_ >= 0) ::close(fd_);  // drops the OFD lock with the description
  fd_ = -1;
}

LivenessLock::LivenessLock(LivenessLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), byte_(other.byte_) {}

LivenessLock& LivenessLock::operator=(LivenessLock&& other) noexcept {
  if (this != &other) {
    Release();
    fd_ = std::exchange(other.fd_, -1);
    byte_ = other.byte_;
  }
  return *this;
}

Result<LivenessLock> LivenessLock::Acquire(const std::string& shm_name, std::uint32_t byte) {
  std::string path = "/" + shm_name;
  int fd = ::shm_open(path.c_str(), O_RDWR | O_CLOEXEC, 0);
  if (fd < 0) {
    return Status::IOError("cannot open shared-memory object '" + shm_name +
                           "' for its liveness lock: " + std::strerror(errno) +
                           "; check that the segment still exists");
  }
  struct flock fl = OneByte(F_WRLCK, byte);
  if (::fcntl(fd, F_OFD_SETLK, &fl) != 0) {
    int err = errno;
    ::close(fd);
    if (err == EAGAIN || err == EACCES) {
      return Status::Busy("liveness lock byte " + std::to_string(byte) + " of '" + shm_name +
                          "' is held by a live process");
    }
    return Status::IOError("cannot take liveness lock on '" + shm_name +
                           "': " + std::strerror(err));
  }
  LivenessLock lock;
  lock.fd_ = fd;
  lock.byte_ = byte;
  return lock;
}

LockState ProbeLock(int fd, std::uint32_t byte) noexcept {
  // A read-lock probe conflicts with the owner's write lock and is allowed
  // on a read-only descriptor.
  struct flock fl = OneByte(F_RDLCK, byte);
  if (::fcntl(fd, F_OFD_GETLK, &fl) != 0) return LockState::kUnknown;
  return fl.l_type == F_UNLCK ? LockState::kFree : LockState::kHeld;
}

std::uint64_t ProcessStartTicks(pid_t pid) noexcept {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/stat", static_cast<int>(pid));
  std::FILE* f = std::fopen(path, "re");
  if (f == nullptr) return 0;
  char buf[1024];
  std::size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  // The command name (field 2) may hold spaces and parentheses: skip to the
  // last ')' and count fields from there (field 3 follows it).
  char* p = std::strrchr(buf, ')');
  if (p == nullptr) return 0;
  int field = 2;
  for (++p; *p != '\0'; ++p) {
    if (*p == ' ') {
      ++field;
      if (field == 22) return std::strtoull(p + 1, nullptr, 10);
    }
  }
  return 0;
}

bool ProcessAlive(pid_t pid, std::uint64_t start_ticks) noexcept {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  if (start_ticks == 0) return true;
  std::uint64_t now_ticks = ProcessStartTicks(pid);
  return now_ticks == 0 || now_ticks == start_ticks;
}

}  // namespace evbus::shm
