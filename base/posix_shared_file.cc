// POSIX files shared between processes: mapped files (open, fchmod,
// ftruncate, fstat, mmap, close) and open-file-description locks.
#include "base/posix_shared_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace evbus {

MappedRegion::MappedRegion(MappedRegion&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

MappedRegion& MappedRegion::operator=(MappedRegion&& other) noexcept {
  if (this != &other) {
    (void)Unmap();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

Status MappedRegion::Unmap() {
  if (data_ == nullptr) return Status::OK();
  const int rc = ::munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
  if (rc != 0) return PosixError("cannot unmap", "a mapped file", errno);
  return Status::OK();
}

namespace {

class PosixMappableFile final : public MappableFile {
 public:
  PosixMappableFile(std::string path, int fd, bool writable)
      : path_(std::move(path)), fd_(fd), writable_(writable) {}
  ~PosixMappableFile() override { (void)Close(); }

  Status SetMode(mode_t mode) override {
    if (::fchmod(fd_, mode) != 0) return PosixError("cannot set the mode of", path_, errno);
    return Status::OK();
  }
  Status Resize(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return PosixError("cannot resize", path_, errno);
    }
    return Status::OK();
  }
  Result<FileInfo> Stat() override {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return PosixError("cannot stat", path_, errno);
    FileInfo info;
    info.size = static_cast<std::uint64_t>(st.st_size);
    info.modified_unix_ns = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
    return info;
  }
  Result<MappedRegion> Map(std::size_t size) override {
    const int prot = writable_ ? PROT_READ | PROT_WRITE : PROT_READ;
    void* data = ::mmap(nullptr, size, prot, MAP_SHARED, fd_, 0);
    if (data == MAP_FAILED) return PosixError("cannot map", path_, errno);
    return MappedRegion(data, size);
  }
  Status Close() override { return CloseChecked(&fd_, "cannot close", path_); }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
  bool writable_;
};

class PosixLockedFile final : public LockedFile {
 public:
  PosixLockedFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixLockedFile() override { (void)Unlock(); }

  Status WriteContents(std::string_view data) override {
    if (::ftruncate(fd_, 0) != 0) return PosixError("cannot truncate", path_, errno);
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return PosixError("cannot write", path_, errno);
      done += static_cast<std::size_t>(n);
    }
    return Status::OK();
  }
  Status Unlock() override {
    // Closing the last descriptor of the open file description drops the lock.
    return CloseChecked(&fd_, "cannot close the lock file", path_);
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

}  // namespace

Result<std::unique_ptr<MappableFile>> OpenPosixMappableFile(const std::string& path,
                                                            MapOpenMode how, mode_t mode) {
  int flags = O_CLOEXEC | O_NOFOLLOW;
  switch (how) {
    case MapOpenMode::kCreateExclusive:
      flags |= O_RDWR | O_CREAT | O_EXCL;
      break;
    case MapOpenMode::kReadWrite:
      flags |= O_RDWR;
      break;
    case MapOpenMode::kReadOnly:
      flags |= O_RDONLY;
      break;
  }
  const int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    return PosixError(how == MapOpenMode::kCreateExclusive ? "cannot create" : "cannot open", path,
                      errno);
  }
  return std::unique_ptr<MappableFile>(
      new PosixMappableFile(path, fd, how != MapOpenMode::kReadOnly));
}

Result<std::unique_ptr<LockedFile>> LockPosixFile(const std::string& path, LockWait wait,
                                                  mode_t mode) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return PosixError("cannot open the lock file", path, errno);
  std::unique_ptr<LockedFile> lock(new PosixLockedFile(path, fd));
  struct flock range = {};
  range.l_type = F_WRLCK;
  range.l_whence = SEEK_SET;  // l_start = l_len = 0: the whole file
  const int command = wait == LockWait::kWait ? F_OFD_SETLKW : F_OFD_SETLK;
  while (::fcntl(fd, command, &range) != 0) {
    const int err = errno;
    if (err == EINTR) continue;
    if (wait == LockWait::kTry && (err == EAGAIN || err == EACCES)) {
      return Status::Busy("'" + path + "' is locked by another process");
    }
    return PosixError("cannot lock", path, err);
  }
  return lock;
}

}  // namespace evbus
