#include "persist/dir_lock.h"

#include <unistd.h>

#include <string>

namespace evbus::persist {
namespace {

// The pid a holder wrote into the LOCK file, or "unknown".
std::string HolderPid(Env* env, const std::string& path) {
  std::string pid;
  if (!env->ReadFileRange(path, 0, 31, &pid).ok() || pid.empty()) return "unknown";
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

}  // namespace

Result<std::unique_ptr<DirLock>> DirLock::Acquire(const std::string& path, Env* env) {
  if (env == nullptr) env = Env::Default();
  auto file = env->LockFile(path, LockWait::kTry, kOwnerOnlyFileMode);
  if (file.status().code() == Status::Code::kBusy) {
    // OFD locks do not report their holder's pid, so it comes from the file.
    return Status::Busy("the store '" + path + "' is held by another persister (pid " +
                        HolderPid(env, path) +
                        "): stop that process first, or persist another stream");
  }
  if (!file.ok()) return AddContext(file.status(), "cannot take the store's LOCK: ", "");
  const Status written = (*file)->WriteContents(std::to_string(::getpid()) + "\n");
  if (!written.ok()) {
    (void)(*file)->Unlock();  // not held after all; the write's error is the one to report
    return AddContext(written, "cannot write this process's pid into the store's LOCK: ", "");
  }
  return std::unique_ptr<DirLock>(new DirLock(std::move(*file)));
}

DirLock::~DirLock() { (void)Release(); }

Status DirLock::Release() {
  if (file_ == nullptr) return Status::OK();
  const Status s = file_->Unlock();
  file_.reset();
  return AddContext(s, "releasing the store's LOCK: ", "");
}

}  // namespace evbus::persist
