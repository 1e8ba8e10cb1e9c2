// FaultInjectionEnv: an Env over the real file system that remembers what was
// synced, so a test can simulate a power cut: DropUnsyncedData() cuts every
// file it wrote back to its last synced size and removes files whose
// directory entry was never synced (leveldb's fault_injection_test idea).
// Crash() makes every later write and sync fail, as if the process were gone.
#ifndef EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_
#define EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_

#include <unistd.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "persist/file_env.h"

namespace evbus::persist::testing {

class FaultInjectionEnv : public Env {
 public:
  struct FileState {
    std::uint64_t size = 0;
    std::uint64_t synced_size = 0;
    bool entry_synced = true;  // false: created, directory not synced since
  };

  void Crash() { crashed_.store(true, std::memory_order_relaxed); }

  // The power cut. Call after Crash() and after the writer is gone.
  void DropUnsyncedData() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [path, state] : files_) {
      if (!state.entry_synced) {
        ::unlink(path.c_str());
        continue;
      }
      if (state.size > state.synced_size) {
        (void)base_->Truncate(path, state.synced_size);
        state.size = state.synced_size;
      }
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
    FileState& state = files_[path];
    if (existed) {
      auto size = base_->FileSize(path);
      if (state.size == 0) state.size = state.synced_size = size.ok() ? *size : 0;
    } else {
      state = FileState{0, 0, false};
    }
    return std::unique_ptr<WritableFile>(new File(this, path, std::move(*file)));
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
    if (s.ok() && files_.count(path) != 0) files_[path].size = files_[path].synced_size = size;
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
  Status SyncDir(const std::string& path) override {
    if (crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
    Status s = base_->SyncDir(path);
    if (!s.ok()) return s;
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [file, state] : files_) {
      if (file.rfind(path + "/", 0) == 0 && file.find('/', path.size() + 1) == std::string::npos) {
        state.entry_synced = true;
      }
    }
    return s;
  }

 private:
  class File : public WritableFile {
   public:
    File(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base)
        : env_(env), path_(std::move(path)), base_(std::move(base)) {}
    Status Append(std::string_view data) override {
      if (env_->crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
      Status s = base_->Append(data);
      std::lock_guard<std::mutex> lock(env_->mu_);
      if (s.ok()) env_->files_[path_].size += data.size();
      return s;
    }
    Status Sync() override {
      if (env_->crashed_.load(std::memory_order_relaxed)) return Status::IOError("crashed");
      // What was written before the fdatasync began is synced by it; an
      // Append on another thread meanwhile may or may not be.
      std::uint64_t size = 0;
      {
        std::lock_guard<std::mutex> lock(env_->mu_);
        size = env_->files_[path_].size;
      }
      Status s = base_->Sync();
      std::lock_guard<std::mutex> lock(env_->mu_);
      FileState& state = env_->files_[path_];
      if (s.ok() && size > state.synced_size) state.synced_size = size;
      return s;
    }
    Status Close() override { return base_->Close(); }
    const std::string& path() const override { return path_; }

   private:
    FaultInjectionEnv* env_;
    std::string path_;
    std::unique_ptr<WritableFile> base_;
  };

  Env* base_ = Env::Default();
  std::mutex mu_;  // guards files_: a store writer syncs on its job thread
  std::map<std::string, FileState> files_;
  // Atomic: Crash() may come while the store writer's seal job (another
  // thread) is between two file operations, as a real crash would.
  std::atomic<bool> crashed_{false};
};

}  // namespace evbus::persist::testing

#endif  // EVBUS_TESTS_PERSIST_FAULT_INJECTION_ENV_H_
