// StoreWriter: the one writer of a store directory (the persister's). Appends
// records in id order to page files, seals a page at its size or count bound
// and starts the next, syncs by the chosen policy, and every
// checkpoint_interval (and on Close) writes the CHECKPOINT, a lower bound of
// what is durable.
//
// Open() takes the LOCK (Busy, naming the holder's pid, if another persister
// has it) and recovers the newest page (persist/store_recovery.h): appending
// resumes at the id after the last good record.
//
// The appending thread does not wait for the disk: a group commit flushes the
// buffer and hands the fdatasync to a background job while appends go on
// (pipelined group commit), and a page seal writes the footer at once, then a
// background job fsyncs the sealed page, creates the next page's file and
// fsyncs the directory while the next page's records are buffered (a page's
// worth at most). Acknowledgements wait for the job: MaybeSync() picks it up
// when it is done, Sync() joins it. At most one job is in flight.
//
// Thread safety: not thread-safe; one thread (the persister's drain loop)
// calls it. Internally one job runs at a time on its own thread: it owns the
// sealed page (seal) or calls only WritableFile::Sync on the active page's
// file (group commit), which may run while the calling thread appends to it.
// Invariants:
//   1. Appended ids are dense: every append has id next_id().
//   2. durable_next_id() only grows, and only after fsync of the page (and of
//      the pages directory when a page was created): every id below it
//      survives a crash. The CHECKPOINT never claims more than that.
//   3. At most one page is unsealed: the newest. The next page's file is
//      created only after the sealed page's footer is durable (one seal is
//      queued or in flight at a time; the next page is buffered meanwhile).
//   4. Ids of a page are acknowledged only after every earlier page's seal is
//      durable and the page's directory entry is synced.
#ifndef EVBUS_PERSIST_STORE_WRITER_H_
#define EVBUS_PERSIST_STORE_WRITER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "persist/background_job.h"
#include "persist/dir_lock.h"
#include "persist/file_env.h"
#include "persist/page_format.h"
#include "persist/page_reader.h"
#include "persist/page_writer.h"

namespace evbus::persist {

enum class SyncPolicy : std::uint8_t {
  kEveryEvent,  // fsync after each record: slowest, nothing buffered
  kGroup,       // fsync at most every group_commit_interval (group commit)
  kPerPage,     // fsync when a page is sealed (and on Sync/Close)
  kNever,       // leave it to the kernel (pages are still synced when sealed)
};
std::string_view SyncPolicyName(SyncPolicy policy);
// "every-event" | "group" | "per-page" | "never".
Result<SyncPolicy> ParseSyncPolicy(std::string_view name);

struct StoreWriterOptions {
  SyncPolicy sync_policy = SyncPolicy::kGroup;
  std::chrono::nanoseconds group_commit_interval = std::chrono::milliseconds(5);
  std::uint64_t max_page_bytes = kDefaultMaxPageBytes;
  std::uint32_t max_page_records = kDefaultMaxPageRecords;
  // CHECKPOINT at most this often (default 1 s; 0: after every sync), and
  // always on Close. Between two, the checkpoint lags what is durable: still a
  // correct lower bound (the pages are the truth; recovery and the store scan
  // the newest page past it). Writing it costs a file creation, two fsyncs and
  // a rename, more than the group commit's own fdatasync.
  std::chrono::nanoseconds checkpoint_interval = std::chrono::seconds(1);
  Env* env = nullptr;            // nullptr: the real file system
  Reporter* reporter = nullptr;  // told what recovery dropped
};

class StoreWriter {
 public:
  // Creates `evbus_dir` (0700) if needed, takes its LOCK, recovers.
  static Result<std::unique_ptr<StoreWriter>> Open(const std::string& evbus_dir,
                                                   const StoreWriterOptions& options);
  ~StoreWriter();  // Close(), errors ignored
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // Appends one event; meta.id must be next_id(). Syncs when the policy says.
  Status Append(const RecordMeta& meta, std::string_view body);
  // Records `id` (== next_id()) as abandoned: missing, with an empty body.
  Status AppendAbandoned(std::uint64_t id);
  // Group commit: syncs if unsynced records are older than the interval; and
  // writes a lagging CHECKPOINT once checkpoint_interval has passed. Call it
  // when the input runs dry, or periodically.
  Status MaybeSync();
  // Makes every appended record durable and writes the checkpoint.
  Status Sync();
  // Sync(), then release the file and the LOCK. Idempotent.
  Status Close();

  std::uint64_t next_id() const { return next_id_; }
  std::uint64_t durable_next_id() const { return durable_next_id_; }
  std::uint64_t recovered_next_id() const { return recovered_next_id_; }
  std::uint64_t recovery_bytes_dropped() const { return recovery_bytes_dropped_; }
  std::uint64_t syncs() const { return syncs_; }
  const std::string& dir() const { return dir_; }

 private:
  StoreWriter(std::string dir, const StoreWriterOptions& options);
  Status StartPage();
  Status SealActive();
  // Group commit in the background: flush, then fdatasync on the job thread
  // while appends go on; CompleteJob() acknowledges what it covered.
  Status StartSyncJob();
  // Starts the seal that SealActive() queued (behind a group commit).
  void StartSealJob();
  // Completes jobs until none is pending or queued.
  Status Drain();
  // Joins the job in flight, if any, and acknowledges what it made durable
  // (a seal job also hands the new page its file). A failed job stops the
  // writer for good (broken_).
  Status CompleteJob();
  // Writes the CHECKPOINT when it lags durable_next_id() and is due.
  Status MaybeCheckpoint();
  Status WriteCheckpoint();

  std::string dir_;
  std::string pages_dir_;
  StoreWriterOptions options_;
  Env* env_;
  std::unique_ptr<DirLock> lock_;
  std::unique_ptr<PageWriter> active_;
  std::uint64_t next_id_ = 0;
  std::uint64_t durable_next_id_ = 0;
  std::uint64_t checkpointed_next_id_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_{};
  std::uint64_t recovered_next_id_ = 0;
  std::uint64_t recovery_bytes_dropped_ = 0;
  std::uint64_t syncs_ = 0;
  bool pages_dir_dirty_ = false;  // a page was created since the last SyncDir
  std::chrono::steady_clock::time_point oldest_unsynced_{};
  bool has_unsynced_ = false;
  bool closed_ = false;
  Status broken_;  // set by a failed job; every later call returns it
  // The job in flight: a page seal or a group commit's fdatasync.
  enum class JobKind : std::uint8_t { kNone, kSeal, kSync };
  JobKind job_kind_ = JobKind::kNone;
  std::uint64_t job_durable_next_id_ = 0;        // ids below are durable once it succeeds
  PageWriter::SyncPoint job_sync_point_;         // kSync: what the fdatasync covers
  PageWriter* job_page_ = nullptr;               // kSync: the page it syncs
  bool seal_queued_ = false;                     // sealing_ waits for the job in flight
  std::uint64_t seal_durable_next_id_ = 0;       // ids below are in sealing_ or before
  std::unique_ptr<PageWriter> sealing_;          // kSeal: the page being sealed
  std::unique_ptr<WritableFile> job_next_file_;  // kSeal: the next page's file
  BackgroundJob job_;                            // last: destroyed (joined) before what it uses
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_STORE_WRITER_H_
