// FaultInjectionEnv: an Env over the real file system that remembers what was
// synced, so a test can simulate a power cut: DropUnsyncedData() cuts every
// file it wrote back to its last synced size, removes files whose directory
// entry was never synced and moves a file renamed since its directory's last
// sync back to its old name (leveldb's fault_injection_test idea). Crash()
// makes every later write and sync fail, as if the process were gone.
//
// FailNext(op, path_part) makes the next call of one file operation on a
// matching path fail with EIO, the way the kernel reports a failed fsync,
// rename, fchmod or close: what the operation does is not done (a failed
// close still releases the descriptor, as close(2) does).
#ifndef EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_
#define EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/file_env.h"

namespace evbus::persist::testing {

// The operations FailNext can fail.
enum class FaultOp : std::uint8_t {
  kCreate,         // NewWritableFile, NewAppendableFile, OpenMappableFile (creating)
  kOpen,           // NewAppendableFile of an existing file
  kAppend,         // WritableFile::Append
  kSync,           // WritableFile::Sync
  kSetMode,        // WritableFile::SetMode, MappableFile::SetMode (fchmod)
  kResize,         // MappableFile::Resize (ftruncate)
  kMap,            // MappableFile::Map
  kClose,          // WritableFile::Close, MappableFile::Close, LockedFile::Unlock
  kRename,         // RenameFile (matched against both names)
  kSyncDir,        // SyncDir
  kRemove,         // RemoveFile
  kLock,           // LockFile
  kWriteContents,  // LockedFile::WriteContents
};

// "Sync", "Rename", ...: for test names.
inline const char* FaultOpName(FaultOp op) {
  constexpr const char* kNames[] = {"Create", "Open", "Append",       "Sync",   "SetMode",
                                    "Resize", "Map",  "Close",        "Rename", "SyncDir",
                                    "Remove", "Lock", "WriteContents"};
  static_assert(std::size(kNames) == static_cast<std::size_t>(FaultOp::kWriteContents) + 1);
  return kNames[static_cast<std::size_t>(op)];
}

class FaultInjectionEnv : public Env {
 public:
  struct FileState {
    std::uint64_t size = 0;
    std::uint64_t synced_size = 0;
    bool entry_synced = true;  // false: created or renamed, directory not synced since
    std::string renamed_from;  // a rename not synced yet undoes to here (empty: removed)
  };

  void Crash() { crashed_.store(true, std::memory_order_relaxed); }

  // The next `times` calls of `op` on a path containing `path_part` fail
  // with EIO (the message is the one the real Env gives, plus "(injected)").
  void FailNext(FaultOp op, std::string path_part, int times = 1) {
    std::lock_guard<std::mutex> lock(mu_);
    faults_.push_back(Fault{op, std::move(path_part), times});
  }
  // How many failures FailNext's faults have produced so far.
  int injected() const {
    std::lock_guard<std::mutex> lock(mu_);
    return injected_;
  }
  // A Status for `op` on `path` if a fault says so (and counts it), else OK.
  Status Inject(FaultOp op, const std::string& path, const std::string& other_path = "") {
    std::lock_guard<std::mutex> lock(mu_);
    for (Fault& f : faults_) {
      if (f.op != op || f.times == 0) continue;
      if (path.find(f.path_part) == std::string::npos &&
          (other_path.empty() || other_path.find(f.path_part) == std::string::npos)) {
        continue;
      }
      --f.times;
      ++injected_;
      Status s = PosixError(FaultVerb(op), path, EIO);
      return Status::IOError(s.message() + " (injected)");
    }
    return Status::OK();
  }

  // The power cut. Call after Crash() and after the writer is gone.
  void DropUnsyncedData() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [path, state] : files_) {
      if (!state->entry_synced && state->renamed_from.empty()) {
        ::unlink(path.c_str());
        continue;
      }
      if (state->size > state->synced_size) {
        (void)base_->Truncate(path, state->synced_size);
        state->size = state->synced_size;
      }
    }
    for (auto& [path, state] : files_) {  // after the removals: the old name may be free now
      if (!state->entry_synced && !state->renamed_from.empty())
        (void)::rename(path.c_str(), state->renamed_from.c_str());
    }
    files_.clear();
    crashed_.store(false, std::memory_order_relaxed);
  }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path,
                                                          mode_t mode) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
    const bool existed = base_->FileExists(path);
    EVBUS_RETURN_IF_ERROR(Inject(existed ? FaultOp::kOpen : FaultOp::kCreate, path));
    auto file = base_->NewAppendableFile(path, mode);
    if (!file.ok()) return file.status();
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<FileState>& state = files_[path];
    if (state == nullptr) state = std::make_shared<FileState>();
    if (existed) {
      auto size = base_->FileSize(path);
      if (state->size == 0) state->size = state->synced_size = size.ok() ? *size : 0;
    } else {
      *state = FileState{0, 0, false, ""};
    }
    return std::unique_ptr<WritableFile>(new File(this, path, state, std::move(*file)));
  }
  Status ReadFile(const std::string& path, std::string* out) override {
    return base_->ReadFile(path, out);
  }
  Status ReadFileRange(const std::string& path, std::uint64_t offset, std::size_t size,
                       std::string* out) override {
    return base_->ReadFileRange(path, offset, size, out);
  }
  Result<std::uint64_t> FileSize(const std::string& path) override { return base_->FileSize(path); }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  Status Truncate(const std::string& path, std::uint64_t size) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
    Status s = base_->Truncate(path, size);
    std::lock_guard<std::mutex> lock(mu_);
    if (s.ok() && files_.count(path) != 0) files_[path]->size = files_[path]->synced_size = size;
    return s;
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        mode_t mode) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
    EVBUS_RETURN_IF_ERROR(Inject(FaultOp::kCreate, path));
    auto file = base_->NewWritableFile(path, mode);
    if (!file.ok()) return file.status();
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<FileState>& state = files_[path];
    state = std::make_shared<FileState>(FileState{0, 0, false, ""});
    return std::unique_ptr<WritableFile>(new File(this, path, state, std::move(*file)));
  }
  // WriteFileAtomic: Env's, made of the calls here (each can be failed).
  Result<std::unique_ptr<MappableFile>> OpenMappableFile(const std::string& path, MapOpenMode how,
                                                         mode_t mode) override {
    if (how == MapOpenMode::kCreateExclusive) {
      EVBUS_RETURN_IF_ERROR(Inject(FaultOp::kCreate, path));
    }
    auto file = base_->OpenMappableFile(path, how, mode);
    if (!file.ok()) return file.status();
    return std::unique_ptr<MappableFile>(new Mappable(this, std::move(*file)));
  }
  Result<std::unique_ptr<LockedFile>> LockFile(const std::string& path, LockWait wait,
                                               mode_t mode) override {
    EVBUS_RETURN_IF_ERROR(Inject(FaultOp::kLock, path));
    auto lock = base_->LockFile(path, wait, mode);
    if (!lock.ok()) return lock.status();
    return std::unique_ptr<LockedFile>(new Lock(this, std::move(*lock)));
  }
  Status CreateDirs(const std::string& path, mode_t mode) override {
    return base_->CreateDirs(path, mode);
  }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  Status RemoveFile(const std::string& path) override {
    EVBUS_RETURN_IF_ERROR(Inject(FaultOp::kRemove, path));
    {
      std::lock_guard<std::mutex> lock(mu_);
      files_.erase(path);
    }
    return base_->RemoveFile(path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
    EVBUS_RETURN_IF_ERROR(Inject(FaultOp::kRename, from, to));
    Status s = base_->RenameFile(from, to);
    if (!s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    std::shared_ptr<FileState> state = files_[from];
    files_.erase(from);
    if (state == nullptr) {  // not written through this env: durable as found
      state = std::make_shared<FileState>();
      auto size = base_->FileSize(to);
      state->size = state->synced_size = size.ok() ? *size : 0;
    }
    if (state->entry_synced) state->renamed_from = from;  // else it still vanishes
    state->entry_synced = false;
    files_[to] = state;
    return s;
  }
  Status SyncDir(const std::string& path) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
    EVBUS_RETURN_IF_ERROR(Inject(FaultOp::kSyncDir, path));
    Status s = base_->SyncDir(path);
    if (!s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [file, state] : files_) {
      if (file.rfind(path + "/", 0) == 0 && file.find('/', path.size() + 1) == std::string::npos) {
        state->entry_synced = true;
        state->renamed_from.clear();
      }
    }
    return s;
  }

 private:
  // Keeps its FileState across renames (the state moves to the new name).
  class File : public WritableFile {
   public:
    File(FaultInjectionEnv* env, std::string path, std::shared_ptr<FileState> state,
         std::unique_ptr<WritableFile> base)
        : env_(env), path_(std::move(path)), state_(std::move(state)), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      if (env_->crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
      EVBUS_RETURN_IF_ERROR(env_->Inject(FaultOp::kAppend, path_));
      Status s = base_->Append(data);
      std::lock_guard<std::mutex> lock(env_->mu_);
      if (s.ok()) state_->size += data.size();
      return s;
    }
    Status Sync() override {
      if (env_->crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
      EVBUS_RETURN_IF_ERROR(env_->Inject(FaultOp::kSync, path_));
      // What was written before the fdatasync began is synced by it; an
      // Append on another thread meanwhile may or may not be.
      std::uint64_t size = 0;
      {
        std::lock_guard<std::mutex> lock(env_->mu_);
        size = state_->size;
      }
      Status s = base_->Sync();
      std::lock_guard<std::mutex> lock(env_->mu_);
      if (s.ok() && size > state_->synced_size) state_->synced_size = size;
      return s;
    }
    Status Truncate(std::uint64_t size) override {
      if (env_->crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
      Status s = base_->Truncate(size);
      std::lock_guard<std::mutex> lock(env_->mu_);
      if (s.ok()) state_->size = state_->synced_size = size;
      return s;
    }
    Status Close() override {
      Status s = base_->Close();  // a failed close(2) releases the descriptor too
      if (s.ok()) s = env_->Inject(FaultOp::kClose, path_);
      return s;
    }
    Status SetMode(mode_t mode) override {
      EVBUS_RETURN_IF_ERROR(env_->Inject(FaultOp::kSetMode, path_));
      return base_->SetMode(mode);
    }
    const std::string& path() const override { return path_; }

   private:
    FaultInjectionEnv* env_;
    std::string path_;
    std::shared_ptr<FileState> state_;  // guarded by env_->mu_
    std::unique_ptr<WritableFile> base_;
  };

  class Mappable : public MappableFile {
   public:
    Mappable(FaultInjectionEnv* env, std::unique_ptr<MappableFile> base)
        : env_(env), base_(std::move(base)) {}
    Status SetMode(mode_t mode) override {
      EVBUS_RETURN_IF_ERROR(env_->Inject(FaultOp::kSetMode, path()));
      return base_->SetMode(mode);
    }
    Status Resize(std::uint64_t size) override {
      EVBUS_RETURN_IF_ERROR(env_->Inject(FaultOp::kResize, path()));
      return base_->Resize(size);
    }
    Result<FileInfo> Stat() override { return base_->Stat(); }
    Result<MappedRegion> Map(std::size_t size) override {
      EVBUS_RETURN_IF_ERROR(env_->Inject(FaultOp::kMap, path()));
      return base_->Map(size);
    }
    Status Close() override {
      Status s = base_->Close();
      if (s.ok()) s = env_->Inject(FaultOp::kClose, path());
      return s;
    }
    const std::string& path() const override { return base_->path(); }

   private:
    FaultInjectionEnv* env_;
    std::unique_ptr<MappableFile> base_;
  };

  class Lock : public LockedFile {
   public:
    Lock(FaultInjectionEnv* env, std::unique_ptr<LockedFile> base)
        : env_(env), base_(std::move(base)) {}
    Status WriteContents(std::string_view data) override {
      EVBUS_RETURN_IF_ERROR(env_->Inject(FaultOp::kWriteContents, path()));
      return base_->WriteContents(data);
    }
    Status Unlock() override {
      Status s = base_->Unlock();
      if (s.ok() && !unlocked_) s = env_->Inject(FaultOp::kClose, path());
      unlocked_ = true;
      return s;
    }
    const std::string& path() const override { return base_->path(); }

   private:
    FaultInjectionEnv* env_;
    std::unique_ptr<LockedFile> base_;
    bool unlocked_ = false;
  };

  struct Fault {
    FaultOp op;
    std::string path_part;
    int times;
  };

  static const char* FaultVerb(FaultOp op) {
    switch (op) {
      case FaultOp::kCreate:
        return "cannot create";
      case FaultOp::kOpen:
        return "cannot open for appending";
      case FaultOp::kAppend:
      case FaultOp::kWriteContents:
        return "cannot write";
      case FaultOp::kSync:
        return "cannot sync";
      case FaultOp::kSetMode:
        return "cannot set the mode of";
      case FaultOp::kResize:
        return "cannot resize";
      case FaultOp::kMap:
        return "cannot map";
      case FaultOp::kClose:
        return "cannot close";
      case FaultOp::kRename:
        return "cannot rename";
      case FaultOp::kSyncDir:
        return "cannot sync directory";
      case FaultOp::kRemove:
        return "cannot remove";
      case FaultOp::kLock:
        return "cannot lock";
    }
    return "cannot";
  }

  Env* base_ = Env::Default();
  mutable std::mutex mu_;  // guards files_, faults_ and injected_  // guards files_: a store writer
                           // syncs on its job thread
  std::map<std::string, std::shared_ptr<FileState>> files_;
  std::vector<Fault> faults_;
  int injected_ = 0;
  // Atomic: Crash() may come while the store writer's seal job (another
  // thread) is between two file operations, as a real crash would.
  std::atomic<bool> crashed_{false};
};

}  // namespace evbus::persist::testing

#endif  // EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_
