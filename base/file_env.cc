// POSIX implementation of Env.
#include "base/file_env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

#include "base/posix_shared_file.h"

namespace evbus {

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string path(dir);
  if (!path.empty() && path.back() != '/') path += '/';
  path += name;
  return path;
}

Status CloseChecked(int* fd, std::string_view what, const std::string& path) {
  if (*fd < 0) return Status::OK();
  const int rc = ::close(*fd);
  *fd = -1;
  if (rc != 0) return PosixError(what, path, errno);
  return Status::OK();
}

Status PosixError(std::string_view what, const std::string& path, int err) {
  std::string msg(what);
  msg += " '" + path + "': " + std::strerror(err);
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      msg += " (the disk or quota is full: free space, then restart; nothing acknowledged is lost)";
      break;
    case EFBIG:
      msg += " (file size limit reached: raise 'ulimit -f' or lower the page size)";
      break;
    case EACCES:
    case EPERM:
      msg += " (check the owner and permissions of the store directory)";
      break;
    case EROFS:
      msg += " (the file system is read-only: remount it read-write or choose another root)";
      break;
    default:
      break;
  }
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  if (err == EEXIST) return Status::AlreadyExists(std::move(msg));
  if (err == EACCES || err == EPERM) return Status::PermissionDenied(std::move(msg));
  return Status::IOError(std::move(msg));
}

Status AddContext(const Status& s, std::string_view before, std::string_view after) {
  if (s.ok()) return s;
  std::string msg(before);
  msg += s.message();
  msg += after;
  switch (s.code()) {
    case Status::Code::kNotFound:
      return Status::NotFound(std::move(msg));
    case Status::Code::kCorruption:
      return Status::Corruption(std::move(msg));
    case Status::Code::kInvalidArgument:
      return Status::InvalidArgument(std::move(msg));
    case Status::Code::kBackPressured:
      return Status::BackPressured(std::move(msg));
    case Status::Code::kTooLarge:
      return Status::TooLarge(std::move(msg));
    case Status::Code::kAlreadyExists:
      return Status::AlreadyExists(std::move(msg));
    case Status::Code::kBusy:
      return Status::Busy(std::move(msg));
    case Status::Code::kUnavailable:
      return Status::Unavailable(std::move(msg));
    case Status::Code::kPermissionDenied:
      return Status::PermissionDenied(std::move(msg));
    case Status::Code::kTimedOut:
      return Status::TimedOut(std::move(msg));
    case Status::Code::kOk:
    case Status::Code::kIOError:
      break;
  }
  return Status::IOError(std::move(msg));
}

namespace {

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  Status Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return PosixError("cannot write", path_, errno);
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Status::OK();
  }
  Status Sync() override {
    if (::fdatasync(fd_) != 0) return PosixError("cannot sync", path_, errno);
    return Status::OK();
  }
  Status Truncate(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0)
      return PosixError("cannot truncate", path_, errno);
    if (::fdatasync(fd_) != 0) return PosixError("cannot sync after truncation", path_, errno);
    return Status::OK();
  }
  Status Close() override { return CloseChecked(&fd_, "cannot close", path_); }
  Status SetMode(mode_t mode) override {
    if (::fchmod(fd_, mode) != 0) return PosixError("cannot set the mode of", path_, errno);
    return Status::OK();
  }
  const std::string& path() const override { return path_; }

 private:
  std::string path_;
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                          mode_t mode) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
    if (fd < 0) return PosixError("cannot open for appending", path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  // One descriptor, read to its end: a file renamed over `path` meanwhile is
  // read whole, old or new (never the new one cut at the old one's size).
  Status ReadFile(const std::string& path, std::string* out) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open for reading", path, errno);
    out->clear();
    char buf[64 << 10];
    Status s;
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) s = PosixError("cannot read", path, errno);
      if (n <= 0) break;
      out->append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);  // read-only: nothing to lose
    return s;
  }

  Status ReadFileRange(const std::string& path, std::uint64_t offset, std::size_t size,
                       std::string* out) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open for reading", path, errno);
    out->resize(size);
    std::size_t done = 0;
    while (done < size) {
      const ssize_t n =
          ::pread(fd, out->data() + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return PosixError("cannot read", path, err);
      }
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    out->resize(done);
    ::close(fd);  // read-only: what was read is in *out, nothing is lost
    return Status::OK();
  }

  Result<std::uint64_t> FileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("cannot stat", path, errno);
    return static_cast<std::uint64_t>(st.st_size);
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status Truncate(const std::string& path, std::uint64_t size) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open for truncation", path, errno);
    Status s;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
      s = PosixError("cannot truncate", path, errno);
    } else if (::fdatasync(fd) != 0) {
      s = PosixError("cannot sync after truncation", path, errno);
    }
    if (::close(fd) != 0 && s.ok()) s = PosixError("cannot close", path, errno);
    return s;
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        mode_t mode) override {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) return PosixError("cannot create", path, errno);
    return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd));
  }

  Result<std::unique_ptr<MappableFile>> OpenMappableFile(const std::string& path, MapOpenMode how,
                                                         mode_t mode) override {
    return OpenPosixMappableFile(path, how, mode);
  }

  Result<std::unique_ptr<LockedFile>> LockFile(const std::string& path, LockWait wait,
                                               mode_t mode) override {
    return LockPosixFile(path, wait, mode);
  }

  Status CreateDirs(const std::string& path, mode_t mode) override {
    for (std::size_t pos = 1; pos <= path.size(); ++pos) {
      if (pos != path.size() && path[pos] != '/') continue;
      const std::string prefix = path.substr(0, pos);
      if (::mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
        return PosixError("cannot create directory", prefix, errno);
      }
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) return PosixError("cannot list directory", path, errno);
    std::vector<std::string> names;
    while (const dirent* entry = ::readdir(dir)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
    }
    ::closedir(dir);
    return names;
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("cannot remove", path, errno);
    return Status::OK();
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError("cannot rename '" + from + "' to", to, errno);
    }
    return Status::OK();
  }

  Status SyncDir(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("cannot open directory", path, errno);
    Status s;
    if (::fsync(fd) != 0) s = PosixError("cannot sync directory", path, errno);
    if (::close(fd) != 0 && s.ok()) s = PosixError("cannot close directory", path, errno);
    return s;
  }
};

}  // namespace

Status Env::WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  const std::string tmp = path + ".tmp";
  if (FileExists(tmp)) {  // left by a writer that died; writers of `path` are serialised
    EVBUS_RETURN_IF_ERROR(RemoveFile(tmp));
  }
  auto file = NewWritableFile(tmp, mode);
  if (!file.ok()) return file.status();
  Status s = (*file)->SetMode(mode);  // exact mode, whatever the umask took off
  if (s.ok()) s = (*file)->Append(data);
  if (s.ok()) s = (*file)->Sync();
  const Status closed = (*file)->Close();  // closed whatever happened before
  if (s.ok()) s = closed;
  if (s.ok()) s = RenameFile(tmp, path);
  if (!s.ok()) {
    (void)RemoveFile(tmp);  // `path` is untouched; the temporary file goes
    return s;
  }
  const auto slash = path.rfind('/');
  return SyncDir(slash == std::string::npos ? "." : path.substr(0, slash));
}

Env* Env::Default() {
  static PosixEnv env;
  return &env;
}

}  // namespace evbus
