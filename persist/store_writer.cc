#include "persist/store_writer.h"

#include <utility>

#include "persist/page_codec.h"
#include "persist/record_convert.h"
#include "persist/store_paths.h"
#include "persist/store_recovery.h"

namespace evbus::persist {
namespace {

// Makes the empty spare page file at `path`. False when it cannot (the next
// page's file is then created at the seal instead: no error of the store's).
// The path is free: recovery removed any spare, and the last one became a page.
bool MakeSpare(Env* env, const std::string& path) {
  auto file = env->NewAppendableFile(path, kOwnerOnlyFileMode);
  if (!file.ok()) return false;
  auto size = env->FileSize(path);
  return (*file)->Close().ok() && size.ok() && *size == 0;
}

// One sync job: a group commit (the active page's records flushed before the
// job began), or the durable half of a page seal (the sealed page's footer
// and last records); and the pages directory when an entry it needs was
// never synced. Ids below the job's durable id are acknowledged only when
// all of it has returned.
struct SyncWork {
  PageWriter* sealed = nullptr;    // a seal: the sealed page
  WritableFile* active = nullptr;  // a group commit: the active page's file
  bool sync_dir = false;           // a page file was created or renamed
  bool* new_spare = nullptr;       // set when it made the spare (when not null)
};

Status RunSync(Env* env, const std::string& pages_dir, const std::string& spare_path,
               const SyncWork& work) {
  Status s;
  if (work.sealed != nullptr) {
    s = work.sealed->Sync();
    const Status closed = work.sealed->Close();
    if (s.ok()) s = closed;
  }
  if (s.ok() && work.active != nullptr) s = work.active->Sync();
  if (s.ok() && work.sync_dir) s = env->SyncDir(pages_dir);
  if (s.ok() && work.new_spare != nullptr) *work.new_spare = MakeSpare(env, spare_path);
  return s;
}

}  // namespace

std::string_view SyncPolicyName(SyncPolicy policy) {
  switch (policy) {
    case SyncPolicy::kEveryEvent:
      return "every-event";
    case SyncPolicy::kGroup:
      return "group";
    case SyncPolicy::kPerPage:
      return "per-page";
    case SyncPolicy::kNever:
      return "never";
  }
  return "unknown";
}

Result<SyncPolicy> ParseSyncPolicy(std::string_view name) {
  for (SyncPolicy p :
       {SyncPolicy::kEveryEvent, SyncPolicy::kGroup, SyncPolicy::kPerPage, SyncPolicy::kNever}) {
    if (name == SyncPolicyName(p)) return p;
  }
  return Status::InvalidArgument("unknown fsync policy '" + std::string(name) +
                                 "': use every-event, group, per-page or never");
}

StoreWriter::StoreWriter(std::string dir, const StoreWriterOptions& options)
    : dir_(std::move(dir)),
      pages_dir_(PagesDir(dir_)),
      spare_path_(SparePagePath(dir_)),
      options_(options),
      env_(options.env != nullptr ? options.env : Env::Default()) {}

StoreWriter::~StoreWriter() { (void)Close(); }

Result<std::unique_ptr<StoreWriter>> StoreWriter::Open(const std::string& evbus_dir,
                                                       const StoreWriterOptions& options) {
  if (options.max_page_bytes < 4096 || options.max_page_bytes > kMaxPageBytesLimit ||
      options.max_page_records == 0) {
    return Status::InvalidArgument("page bounds out of range: max_page_bytes must be in [4096, " +
                                   std::to_string(kMaxPageBytesLimit) +
                                   "] and max_page_records at least 1");
  }
  std::unique_ptr<StoreWriter> writer(new StoreWriter(evbus_dir, options));
  EVBUS_RETURN_IF_ERROR(writer->env_->CreateDirs(writer->pages_dir_, kOwnerOnlyDirMode));
  auto lock = DirLock::Acquire(LockPath(evbus_dir), writer->env_);
  if (!lock.ok()) return lock.status();
  writer->lock_ = std::move(*lock);
  auto recovered = RecoverStore(writer->env_, evbus_dir, options.reporter);
  if (!recovered.ok()) return recovered.status();
  writer->next_id_ = writer->durable_next_id_ = recovered->next_id;
  writer->recovery_bytes_dropped_ = recovered->bytes_dropped;
  if (recovered->active) {
    auto& active = *recovered->active;
    auto page = PageWriter::Reopen(writer->env_, active.path, active.first_id,
                                   std::move(active.offsets), active.size);
    if (!page.ok()) return page.status();
    writer->active_ = std::move(*page);
  }
  // Directories created above, and the recovered state, become durable; the
  // checkpoint is rewritten only when it no longer matches.
  EVBUS_RETURN_IF_ERROR(writer->env_->SyncDir(writer->pages_dir_));
  const auto& old = recovered->checkpoint;
  const bool current =
      old && old->durable_next_id == writer->next_id_ &&
      old->page_first_id == (writer->active_ ? writer->active_->first_id() : writer->next_id_) &&
      (!writer->active_ || old->page_end == writer->active_->synced_size());
  if (!current) {
    EVBUS_RETURN_IF_ERROR(writer->WriteCheckpoint());
  } else {
    writer->checkpointed_next_id_ = writer->next_id_;
  }
  return writer;
}

Status StoreWriter::StartPage() {
  const std::string path = JoinPath(pages_dir_, PageFileName(next_id_));
  if (spare_ready_) {  // a rename instead of a file creation
    if (env_->FileExists(path)) {
      return Status::AlreadyExists("page file '" + path +
                                   "' already exists: recovery should have reopened it");
    }
    EVBUS_RETURN_IF_ERROR(env_->RenameFile(spare_path_, path));
    spare_ready_ = false;
    renamed_spare_ = path;  // empty and ours: opened now, or by the next try
  }
  if (renamed_spare_ == path) {
    auto file = env_->NewAppendableFile(path, kOwnerOnlyFileMode);  // exists: no creation
    if (!file.ok()) return file.status();
    renamed_spare_.clear();
    active_ = PageWriter::CreateDetached(env_, path, next_id_, std::move(recycled_buffer_));
    active_->AttachFile(std::move(*file));
  } else {
    auto page = PageWriter::Create(env_, path, next_id_);
    if (!page.ok()) return page.status();
    active_ = std::move(*page);
  }
  pages_dir_dirty_ = true;
  return Status::OK();
}

Status StoreWriter::SealActive() {
  // The page sealed before must be durable first: then at most the two
  // newest pages can lack a durable footer (store_recovery.h, rule 4).
  if (sealing_ != nullptr) {
    EVBUS_RETURN_IF_ERROR(Drain());
  }
  EVBUS_RETURN_IF_ERROR(active_->WriteFooter());
  sealing_ = std::move(active_);
  recycled_buffer_ = sealing_->TakeBuffer();
  seal_needs_dir_ = pages_dir_dirty_;  // the sealed page's entry was never synced
  // The next page first (it takes the spare: the job below may make a new
  // one); on failure Append() tries again.
  const Status s = StartPage();
  // Whatever the policy, the seal is synced now, or right after the job in
  // flight.
  if (job_.pending()) {
    seal_queued_ = true;
    return s;
  }
  const Status started = StartSyncJob();
  return s.ok() ? started : s;
}

Status StoreWriter::StartSyncJob() {
  seal_queued_ = false;
  SyncWork work;
  job_page_ = nullptr;
  job_sealing_ = sealing_.get();
  if (job_sealing_ != nullptr) {
    // A seal: the sealed page alone (one fdatasync), and the directory only
    // if its entry was never synced; the new page waits for the next group
    // commit. Every fsync costs a disk cache flush, so fewer is faster.
    work.sealed = job_sealing_;
    work.sync_dir = seal_needs_dir_;
    if (seal_needs_dir_) pages_dir_dirty_ = false;  // the new page's entry too
    job_durable_next_id_ = job_sealing_->next_id();
    has_unsynced_ = active_ != nullptr && active_->size() > kFileHeaderSize;
    oldest_unsynced_ = std::chrono::steady_clock::now();
  } else {
    EVBUS_RETURN_IF_ERROR(active_->Flush());
    job_page_ = active_.get();
    job_sync_point_ = active_->flushed_point();
    work.active = active_->file();
    work.sync_dir = pages_dir_dirty_;
    pages_dir_dirty_ = false;
    job_durable_next_id_ = next_id_;
    has_unsynced_ = false;
  }
  if (!spare_ready_) work.new_spare = &job_made_spare_;
  job_.Start([this, work] { return RunSync(env_, pages_dir_, spare_path_, work); });
  return Status::OK();
}

Status StoreWriter::CompleteJob() {
  if (job_.pending()) {
    Status s = job_.Join();
    if (job_sealing_ != nullptr) {
      sealing_.reset();  // closed by the job
      job_sealing_ = nullptr;
    }
    if (job_page_ != nullptr) s = job_page_->FinishSync(job_sync_point_, s);
    if (!s.ok()) {
      broken_ = Status::IOError("syncing the store '" + dir_ + "' failed: " + s.message() +
                                " (the store writer stopped: restart the persister to recover)");
      return broken_;
    }
    if (job_made_spare_) spare_ready_ = true;
    job_made_spare_ = false;
    if (durable_next_id_ < job_durable_next_id_) {
      durable_next_id_ = job_durable_next_id_;  // fsynced: acknowledged
    }
  }
  if (!broken_.ok()) return broken_;
  if (seal_queued_) return StartSyncJob();  // the seal waited for the job in flight
  return Status::OK();
}

Status StoreWriter::Drain() {
  while (job_.pending() || seal_queued_) {
    EVBUS_RETURN_IF_ERROR(CompleteJob());
  }
  return broken_;
}

Status StoreWriter::Append(const RecordMeta& meta, std::string_view body) {
  if (closed_) return Status::Unavailable("the store writer of '" + dir_ + "' is closed");
  if (!broken_.ok()) return broken_;
  if (meta.id != next_id_) {
    return Status::InvalidArgument("append of id " + std::to_string(meta.id) + " to '" + dir_ +
                                   "' whose next id is " + std::to_string(next_id_) +
                                   ": ids must be appended densely, in order");
  }
  // A type, source or flag no reader accepts (persist/record_convert.h).
  EVBUS_RETURN_IF_ERROR(CheckStoredEventFields(meta));
  if (active_ &&
      active_->WouldOverflow(body.size(), options_.max_page_bytes, options_.max_page_records)) {
    EVBUS_RETURN_IF_ERROR(SealActive());
  }
  if (!active_) {
    EVBUS_RETURN_IF_ERROR(StartPage());
  }
  EVBUS_RETURN_IF_ERROR(active_->Append(meta, body));
  ++next_id_;
  if (!has_unsynced_) {
    has_unsynced_ = true;
    if (options_.sync_policy == SyncPolicy::kGroup)
      oldest_unsynced_ = std::chrono::steady_clock::now();
  }
  if (options_.sync_policy == SyncPolicy::kEveryEvent) return Sync();
  if (options_.sync_policy == SyncPolicy::kGroup) {
    EVBUS_RETURN_IF_ERROR(MaybeSync());
  }
  if (active_->size() - active_->flushed_size() >= kPageWriteBufferBytes) {
    return active_->Flush();  // may overlap a sync job's fdatasync
  }
  return Status::OK();
}

Status StoreWriter::AppendAbandoned(std::uint64_t id, MissingReason reason,
                                    std::int32_t producer_pid) {
  RecordMeta meta;
  meta.id = id;
  meta.type = 0xFFFF;
  meta.flags = kFlagAbandoned;
  meta.missing = EncodeMissing(reason, producer_pid);
  return Append(meta, {});
}

Status StoreWriter::MaybeSync() {
  if (!job_.Finished()) return Status::OK();  // the next group commit waits for this one
  Status s = CompleteJob();
  if (!s.ok() || job_.pending()) return s;  // pending: the queued seal just started
  if (has_unsynced_ && options_.sync_policy == SyncPolicy::kGroup &&
      std::chrono::steady_clock::now() - oldest_unsynced_ >= options_.group_commit_interval) {
    return StartSyncJob();
  }
  return MaybeCheckpoint();
}

Status StoreWriter::Sync() {
  if (closed_) return Status::OK();
  EVBUS_RETURN_IF_ERROR(Drain());
  if (active_) EVBUS_RETURN_IF_ERROR(active_->Sync());
  if (pages_dir_dirty_) EVBUS_RETURN_IF_ERROR(env_->SyncDir(pages_dir_));
  pages_dir_dirty_ = false;
  has_unsynced_ = false;
  if (durable_next_id_ != next_id_) {
    durable_next_id_ = next_id_;  // fsynced: acknowledged
  }
  return MaybeCheckpoint();
}

Status StoreWriter::MaybeCheckpoint() {
  if (checkpointed_next_id_ == durable_next_id_) return Status::OK();
  if (options_.checkpoint_interval.count() > 0 &&
      std::chrono::steady_clock::now() - last_checkpoint_ < options_.checkpoint_interval) {
    return Status::OK();
  }
  return WriteCheckpoint();
}

Status StoreWriter::WriteCheckpoint() {
  Checkpoint checkpoint;
  checkpoint.durable_next_id = durable_next_id_;
  if (active_ && active_->synced_size() >= kFileHeaderSize &&
      active_->synced_next_id() == durable_next_id_) {
    checkpoint.page_first_id = active_->first_id();
    checkpoint.page_end = static_cast<std::uint32_t>(active_->synced_size());
  } else {
    checkpoint.page_first_id = durable_next_id_;  // the next page to be created
    checkpoint.page_end = static_cast<std::uint32_t>(kFileHeaderSize);
  }
  Status s =
      env_->WriteFileAtomic(CheckpointPath(dir_), EncodeCheckpoint(checkpoint), kOwnerOnlyFileMode);
  if (!s.ok()) {
    return AddContext(s, "writing the CHECKPOINT of '" + dir_ + "' failed: ",
                      "; the old checkpoint stands (a lower bound of what is durable: nothing "
                      "acknowledged is lost) and the next sync writes it again");
  }
  checkpointed_next_id_ = durable_next_id_;
  last_checkpoint_ = std::chrono::steady_clock::now();
  return s;
}

Status StoreWriter::Close() {
  if (closed_) return Status::OK();
  Status s = Sync();
  if (s.ok() && checkpointed_next_id_ != durable_next_id_) s = WriteCheckpoint();
  (void)job_.Join();  // Sync() joined it unless it failed early
  if (active_) {
    const Status closed = active_->Close();
    if (s.ok()) s = closed;
    active_.reset();
  }
  if (spare_ready_) {  // tidy; recovery would remove it too
    spare_ready_ = false;
    (void)env_->RemoveFile(spare_path_);
  }
  if (lock_ != nullptr) {
    const Status released = lock_->Release();
    if (s.ok()) s = released;
    lock_.reset();
  }
  closed_ = true;
  return s;
}

}  // namespace evbus::persist
