#include "persist/store_writer.h"

#include <utility>

#include "persist/page_codec.h"
#include "persist/store_paths.h"
#include "persist/store_recovery.h"

namespace evbus::persist {
namespace {

// The background half of a page seal: make the sealed page (records and
// footer) durable, then create the next page's file and sync the directory so
// that its entry survives a crash. The next page's file is created only after
// the sealed page is durable, so at every moment the pages directory holds at
// most one unsealed page: the newest.
Status FinishSeal(Env* env, PageWriter* sealed, const std::string& pages_dir,
                  const std::string& next_path, std::unique_ptr<WritableFile>* next_file) {
  Status s = sealed->Sync();
  const Status closed = sealed->Close();
  if (s.ok()) s = closed;
  if (!s.ok()) return s;
  if (env->FileExists(next_path)) {
    return Status::AlreadyExists("page file '" + next_path +
                                 "' already exists: recovery should have reopened it");
  }
  auto file = env->NewAppendableFile(next_path, kOwnerOnlyFileMode);
  if (!file.ok()) return file.status();
  *next_file = std::move(*file);
  return env->SyncDir(pages_dir);
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
  Status s = writer->env_->CreateDirs(writer->pages_dir_, kOwnerOnlyDirMode);
  if (!s.ok()) return s;
  auto lock = DirLock::Acquire(LockPath(evbus_dir));
  if (!lock.ok()) return lock.status();
  writer->lock_ = std::move(*lock);
  auto recovered = RecoverStore(writer->env_, evbus_dir, options.reporter);
  if (!recovered.ok()) return recovered.status();
  writer->next_id_ = writer->durable_next_id_ = writer->recovered_next_id_ = recovered->next_id;
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
  s = writer->env_->SyncDir(writer->pages_dir_);
  if (!s.ok()) return s;
  const auto& old = recovered->checkpoint;
  const bool current =
      old && old->durable_next_id == writer->next_id_ &&
      old->page_first_id == (writer->active_ ? writer->active_->first_id() : writer->next_id_) &&
      (!writer->active_ || old->page_end == writer->active_->synced_size());
  if (!current) {
    s = writer->WriteCheckpoint();
  } else {
    writer->checkpointed_next_id_ = writer->next_id_;
  }
  if (!s.ok()) return s;
  return writer;
}

Status StoreWriter::StartPage() {
  auto page = PageWriter::Create(env_, JoinPath(pages_dir_, PageFileName(next_id_)), next_id_);
  if (!page.ok()) return page.status();
  active_ = std::move(*page);
  pages_dir_dirty_ = true;
  return Status::OK();
}

Status StoreWriter::SealActive() {
  // A group commit in flight may go on (the footer is appended behind its
  // fdatasync); an earlier seal must be finished first.
  if (seal_queued_ || job_kind_ == JobKind::kSeal) {
    Status s = Drain();
    if (!s.ok()) return s;
  }
  Status s = active_->WriteFooter();
  if (!s.ok()) return s;
  sealing_ = std::move(active_);
  active_ = PageWriter::CreateDetached(env_, JoinPath(pages_dir_, PageFileName(next_id_)), next_id_,
                                       sealing_->TakeBuffer());
  pages_dir_dirty_ = false;  // the seal job syncs the directory after creating the file
  has_unsynced_ = false;     // the seal job syncs every record so far
  seal_durable_next_id_ = next_id_;
  seal_queued_ = true;
  if (!job_.pending()) StartSealJob();
  return Status::OK();
}

void StoreWriter::StartSealJob() {
  seal_queued_ = false;
  job_kind_ = JobKind::kSeal;
  job_durable_next_id_ = seal_durable_next_id_;
  job_.Start([this, next_path = active_->path()] {
    return FinishSeal(env_, sealing_.get(), pages_dir_, next_path, &job_next_file_);
  });
}

Status StoreWriter::StartSyncJob() {
  Status s = active_->Flush();
  if (!s.ok()) return s;
  job_kind_ = JobKind::kSync;
  job_page_ = active_.get();
  job_sync_point_ = active_->flushed_point();
  job_durable_next_id_ = next_id_;
  const bool sync_dir = pages_dir_dirty_;
  pages_dir_dirty_ = false;
  has_unsynced_ = false;
  WritableFile* file = active_->file();
  job_.Start([this, file, sync_dir] {
    Status synced = file->Sync();
    if (synced.ok() && sync_dir) synced = env_->SyncDir(pages_dir_);
    return synced;
  });
  return Status::OK();
}

Status StoreWriter::CompleteJob() {
  if (job_.pending()) {
    Status s = job_.Join();
    if (job_kind_ == JobKind::kSeal) {
      sealing_.reset();
      if (!s.ok()) {
        broken_ = Status::IOError("sealing a page of '" + dir_ + "' failed: " + s.message() +
                                  " (the store writer stopped: restart the persister to recover)");
        return broken_;
      }
      active_->AttachFile(std::move(job_next_file_));
    } else {
      s = job_page_->FinishSync(job_sync_point_, s);
      if (!s.ok()) return broken_ = s;
    }
    job_kind_ = JobKind::kNone;
    if (durable_next_id_ < job_durable_next_id_) {
      durable_next_id_ = job_durable_next_id_;  // fsynced: acknowledged
      ++syncs_;
    }
  }
  if (!broken_.ok()) return broken_;
  if (seal_queued_) StartSealJob();  // it waited for the group commit
  return Status::OK();
}

Status StoreWriter::Drain() {
  while (job_.pending() || seal_queued_) {
    Status s = CompleteJob();
    if (!s.ok()) return s;
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
  Status s;
  if (active_ &&
      active_->WouldOverflow(body.size(), options_.max_page_bytes, options_.max_page_records)) {
    s = SealActive();
    if (!s.ok()) return s;
  }
  if (!active_) {
    s = StartPage();
    if (!s.ok()) return s;
  }
  s = active_->Append(meta, body);
  if (!s.ok()) return s;
  ++next_id_;
  if (!has_unsynced_) {
    has_unsynced_ = true;
    if (options_.sync_policy == SyncPolicy::kGroup)
      oldest_unsynced_ = std::chrono::steady_clock::now();
  }
  if (options_.sync_policy == SyncPolicy::kEveryEvent) return Sync();
  if (options_.sync_policy == SyncPolicy::kGroup) {
    s = MaybeSync();
    if (!s.ok()) return s;
  }
  if (active_->size() - active_->flushed_size() >= kPageWriteBufferBytes) {
    // While a seal is queued or in flight the new page has no file yet: keep
    // buffering (a page's worth at most, the page bound) until it is done.
    if (!active_->has_file()) {
      if (!job_.Finished()) return Status::OK();
      s = CompleteJob();
      if (!s.ok() || !active_->has_file()) return s;
    }
    return active_->Flush();  // may overlap a group commit's fdatasync
  }
  return Status::OK();
}

Status StoreWriter::AppendAbandoned(std::uint64_t id) {
  RecordMeta meta;
  meta.id = id;
  meta.type = 0xFFFF;
  meta.flags = kFlagAbandoned;
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
  Status s = Drain();
  if (!s.ok()) return s;
  if (active_) {
    s = active_->Sync();
    if (s.ok() && pages_dir_dirty_) s = env_->SyncDir(pages_dir_);
    if (!s.ok()) return s;
    pages_dir_dirty_ = false;
  }
  has_unsynced_ = false;
  if (durable_next_id_ != next_id_) {
    durable_next_id_ = next_id_;  // fsynced: acknowledged
    ++syncs_;
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
  if (s.ok()) {
    checkpointed_next_id_ = durable_next_id_;
    last_checkpoint_ = std::chrono::steady_clock::now();
  }
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
  lock_.reset();
  closed_ = true;
  return s;
}

}  // namespace evbus::persist
