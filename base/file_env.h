// Env: the file operations the persist layer needs, behind an interface so
// that tests can put a layer underneath that loses everything not yet synced
// (tests/persist/fault_injection_env.h), the way a power cut would.
//
// Every error is a Status whose message names the path and the errno text,
// and says what a person can do (free space, fix permissions, ...).
//
// Every file evbus writes goes through an Env: the store's pages and
// CHECKPOINT, the LOCK, the OpenHands export, the secrets file and the
// metrics region. Composite operations (WriteFileAtomic) are built from the
// primitives, so a test Env that fails one primitive fails them too.
//
// Thread safety: Env::Default() is stateless and may be used from any thread;
// one WritableFile belongs to one thread at a time, except that Sync() may run
// on a second thread while the owner Append()s (the store writer's pipelined
// group commit): it covers at least what was appended before it began. A
// MappableFile or LockedFile belongs to one thread at a time; a MappedRegion's
// memory is shared by whoever maps the file.
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
  // fchmod: exactly `mode`, whatever the umask took off at creation.
  virtual Status SetMode(mode_t mode) = 0;
  virtual const std::string& path() const = 0;
};

// What a file's inode says (fstat).
struct FileInfo {
  std::uint64_t size = 0;
  std::int64_t modified_unix_ns = 0;
};

// A file mapped into memory, shared with every process that maps the same
// file (MAP_SHARED). Unmapped when destroyed or by Unmap(). Move-only.
class MappedRegion {
 public:
  MappedRegion() = default;
  MappedRegion(void* data, std::size_t size) : data_(data), size_(size) {}
  ~MappedRegion() { (void)Unmap(); }
  MappedRegion(MappedRegion&& other) noexcept;
  MappedRegion& operator=(MappedRegion&& other) noexcept;
  MappedRegion(const MappedRegion&) = delete;
  MappedRegion& operator=(const MappedRegion&) = delete;

  void* data() const { return data_; }
  std::size_t size() const { return size_; }
  // munmap; idempotent. IOError only on a bug (a region not from Map()).
  Status Unmap();

 private:
  void* data_ = nullptr;
  std::size_t size_ = 0;
};

// How OpenMappableFile opens.
enum class MapOpenMode : std::uint8_t {
  kCreateExclusive,  // a new file (O_EXCL, never through a symlink); AlreadyExists if present
  kReadWrite,        // an existing file, to map writable
  kReadOnly,         // an existing file, to map read-only
};

// A file that processes share by mapping it (the metrics region). The
// mapping outlives Close().
class MappableFile {
 public:
  virtual ~MappableFile() = default;              // closes if Close() was not called (errors lost)
  virtual Status SetMode(mode_t mode) = 0;        // fchmod: exactly `mode`, whatever the umask
  virtual Status Resize(std::uint64_t size) = 0;  // ftruncate: new bytes read as zero
  virtual Result<FileInfo> Stat() = 0;            // fstat
  // Maps the first `size` bytes (read-write only if opened so).
  virtual Result<MappedRegion> Map(std::size_t size) = 0;
  virtual Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// Whether LockFile waits for a held lock or answers Busy at once.
enum class LockWait : std::uint8_t { kWait, kTry };

// An exclusive lock on a whole file (an open-file-description lock: it
// conflicts with every other open of the file, in this process or another,
// and the kernel drops it when the holder dies, however it dies).
class LockedFile {
 public:
  virtual ~LockedFile() = default;  // unlocks if Unlock() was not called (errors lost)
  // Replaces the lock file's contents (the holder writes its pid there,
  // since OFD locks do not report their holder's pid).
  virtual Status WriteContents(std::string_view data) = 0;
  // Closes the descriptor, which drops the lock. Idempotent.
  virtual Status Unlock() = 0;
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
  // A new, empty file at `path`, created exclusively and never through a
  // symlink (AlreadyExists if the name is taken), with `mode` less the umask
  // (SetMode() makes it exact).
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                mode_t mode) = 0;
  // Replaces `path` with `data` (file mode exactly `mode`) so that a crash
  // leaves the old or the new contents, never a mix: "<path>.tmp" is written,
  // fsynced, closed and renamed over `path`, then the directory is fsynced.
  // Every step's error is returned, naming the step; on failure `path` keeps
  // its old contents and the temporary file is removed. Writers of one path
  // must not run at once (the callers hold a lock). Made of the primitives
  // below, so it needs no override.
  virtual Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode);
  // Opens a file to share by mapping; a created one gets `mode` (less the
  // umask: SetMode() makes it exact).
  virtual Result<std::unique_ptr<MappableFile>> OpenMappableFile(const std::string& path,
                                                                 MapOpenMode how, mode_t mode) = 0;
  // Locks `path` (created with `mode` if missing). kTry: Busy when another
  // open of the file holds it.
  virtual Result<std::unique_ptr<LockedFile>> LockFile(const std::string& path, LockWait wait,
                                                       mode_t mode) = 0;
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

// Closes *fd (if open) and sets it to -1; a failed close is PosixError(what,
// path). Used by every POSIX file class, so no close goes unchecked.
Status CloseChecked(int* fd, std::string_view what, const std::string& path);

// A failed `s` (same code) whose message says what was being done first
// and what it means after: before + s.message() + after. OK stays OK.
Status AddContext(const Status& s, std::string_view before, std::string_view after);

}  // namespace evbus

#endif  // EVBUS_BASE_FILE_ENV_H_
