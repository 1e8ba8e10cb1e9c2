// Env: the file operations the persist layer needs, behind an interface so
// that tests can put a layer underneath that loses everything not yet synced
// (tests/persist/fault_injection_env.h), the way a power cut would.
//
// Every error is a Status whose message names the path and the errno text,
// and says what a person can do (free space, fix permissions, ...).
//
// Thread safety: Env::Default() is stateless and may be used from any thread;
// one WritableFile belongs to one thread at a time, except that Sync() may run
// on a second thread while the owner Append()s (the store writer's pipelined
// group commit): it covers at least what was appended before it began.
#ifndef EVBUS_BASE_FILE_ENV_H_
#define EVBUS_BASE_FILE_ENV_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace evbus {

inline constexpr mode_t kOwnerOnlyFileMode = 0600;
inline constexpr mode_t kOwnerOnlyDirMode = 0700;

// A file opened for appending. Append() hands bytes to the kernel (write(2));
// only Sync() makes them durable.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;  // fdatasync: data written so far survives a crash
  // Cuts the file to `size` bytes and syncs it. Works on the open file, so it
  // is right even when another thread renamed the file meanwhile.
  virtual Status Truncate(std::uint64_t size) = 0;
  virtual Status Close() = 0;
  virtual const std::string& path() const = 0;
};

class Env {
 public:
  virtual ~Env() = default;

  // The real file system (POSIX calls).
  static Env* Default();

  // Opens `path` for appending at its end; creates it with `mode` if missing.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                                  mode_t mode) = 0;
  // The whole file into *out (replacing its contents).
  virtual Status ReadFile(const std::string& path, std::string* out) = 0;
  // Up to `size` bytes at `offset` into *out; fewer at end of file.
  virtual Status ReadFileRange(const std::string& path, std::uint64_t offset, std::size_t size,
                               std::string* out) = 0;
  virtual Result<std::uint64_t> FileSize(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  // Cuts `path` to `size` bytes and syncs it.
  virtual Status Truncate(const std::string& path, std::uint64_t size) = 0;
  // Replaces `path` with `data` so that a crash leaves the old or the new
  // contents, never a mix: write temp, fsync, rename, fsync directory.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) = 0;
  // mkdir -p; directories it creates get `mode`.
  virtual Status CreateDirs(const std::string& path, mode_t mode) = 0;
  // Names (not paths) of the entries of `path`, unsorted; NotFound if missing.
  virtual Result<std::vector<std::string>> ListDir(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // rename(2): atomically replaces `to`; durable after SyncDir of the
  // directories involved.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // fsync on a directory: makes created, renamed and removed entries durable.
  virtual Status SyncDir(const std::string& path) = 0;
};

// "<dir>/<name>", with exactly one slash between them.
std::string JoinPath(std::string_view dir, std::string_view name);

// An IOError for `what` on `path` with strerror(err) and a hint for the
// common errno values (ENOSPC, EDQUOT, EFBIG, EACCES, EROFS).
Status PosixError(std::string_view what, const std::string& path, int err);

}  // namespace evbus

#endif  // EVBUS_BASE_FILE_ENV_H_
