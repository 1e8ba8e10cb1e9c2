// The persister's options beside draining: OpenHands' own files of every
// stored event (PersisterOptions::openhands_layout) and the exit when the
// stream is idle (PersisterOptions::exit_when_idle_ns).
#include <chrono>

#include "persist/persister.h"
#include "persist/store_paths.h"
#include "shm/atomic128.h"

namespace evbus::persist {

Status Persister::OpenExtras(const std::string& evbus_dir) {
  if (options_.exit_when_idle_ns > 0) {
    idle_exit_ =
        std::make_unique<IdleExit>(evbus_dir, std::chrono::nanoseconds(options_.exit_when_idle_ns));
  }
  if (!options_.openhands_layout) return Status::OK();
  auto dir = ConversationDir(options_.root, options_.session_id, options_.user_id);
  if (!dir.ok()) return dir.status();
  OpenHandsFilesOptions files_options;
  files_options.env = options_.writer.env;
  auto files = OpenHandsEventFiles::Open(*dir, files_options);
  if (!files.ok()) return files.status();
  openhands_files_ = std::move(*files);
  // What the store holds and the files lack: a store that had no layout
  // before, or files a crash lost between the store's write and theirs.
  auto store = Store::OpenDir(evbus_dir);
  if (!store.ok()) return store.status().IsNotFound() ? Status::OK() : store.status();
  auto written = openhands_files_->CatchUp(**store);
  if (!written.ok()) {
    return AddContext(written.status(), "cannot bring OpenHands' files up to date: ", "");
  }
  if (*written > 0 && options_.log) {
    options_.log("evbus persist: wrote " + std::to_string(*written) +
                 " OpenHands files the store held and the directory lacked");
  }
  return Status::OK();
}

// A failed OpenHands file does not stop the persister: the evbus store is
// the record, and the next start writes the file again (CatchUp).
void Persister::WriteOpenHandsFile(std::uint64_t id, std::string_view json) {
  const Status s = openhands_files_->Add(id, json);
  if (s.ok()) return;
  ++stats_.openhands_file_errors;
  if (options_.log) options_.log("evbus persist: " + s.message());
}

bool Persister::IdleStop() {
  if (!idle_exit_) return false;
  const bool drained = reader_->next_id() >= shm::LoadHalfAcquire(&segment_->claim()->next_id) &&
                       writer_->durable_next_id() == writer_->next_id() &&
                       gate_->next_id() >= writer_->next_id();
  if (!idle_exit_->ShouldStop(*segment_, drained)) return false;
  if (options_.log) {
    options_.log("evbus persist: the stream has had no user but this persister for " +
                 std::to_string(options_.exit_when_idle_ns / 1'000'000) +
                 " ms and everything is durable: exiting (--exit-when-idle)");
  }
  return true;
}

}  // namespace evbus::persist
