// FaultInjectionEnv: an Env over the real file system that remembers what was
// synced, so a test can simulate a power cut: DropUnsyncedData() cuts every
// file it wrote back to its last synced size, removes files whose directory
// entry was never synced and moves a file renamed since its directory's last
// sync back to its old name (leveldb's fault_injection_test idea). Crash()
// makes every later write and sync fail, as if the process were gone.
#ifndef EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_
#define EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_

#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "base/file_env.h"

namespace evbus::persist::testing {

class FaultInjectionEnv : public Env {
 public:
  struct FileState {
    std::uint64_t size = 0;
    std::uint64_t synced_size = 0;
    bool entry_synced = true;  // false: created or renamed, directory not synced since
    std::string renamed_from;  // a rename not synced yet undoes to here (empty: removed)
  };

  void Crash() { crashed_.store(true, std::memory_order_relaxed); }

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
  Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
    return base_->WriteFileAtomic(path, data, mode);  // fully synced by construction
  }
  Status CreateDirs(const std::string& path, mode_t mode) override {
    return base_->CreateDirs(path, mode);
  }
  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_->ListDir(path);
  }
  Status RemoveFile(const std::string& path) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      files_.erase(path);
    }
    return base_->RemoveFile(path);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
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
      Status s = base_->Append(data);
      std::lock_guard<std::mutex> lock(env_->mu_);
      if (s.ok()) state_->size += data.size();
      return s;
    }
    Status Sync() override {
      if (env_->crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
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
    Status Close() override { return base_->Close(); }
    const std::string& path() const override { return path_; }

   private:
    FaultInjectionEnv* env_;
    std::string path_;
    std::shared_ptr<FileState> state_;  // guarded by env_->mu_
    std::unique_ptr<WritableFile> base_;
  };

  Env* base_ = Env::Default();
  std::mutex mu_;  // guards files_: a store writer syncs on its job thread
  std::map<std::string, std::shared_ptr<FileState>> files_;
  // Atomic: Crash() may come while the store writer's seal job (another
  // thread) is between two file operations, as a real crash would.
  std::atomic<bool> crashed_{false};
};

}  // namespace evbus::persist::testing

#endif  // EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_
