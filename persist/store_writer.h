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
// (pipelined group commit). A page seal writes the footer, starts the next
// page at once (renaming the spare file, pages/SPARE, made ahead of time by a
// job, so that no file is created on the append path) and starts a job that
// fsyncs the sealed page (and the directory only if that page's entry was
// never synced): one fsync where it used to take three, each a disk cache
// flush. The new page's records and entry go with the next group commit.
// Acknowledgements wait for the job: MaybeSync() picks it up when it is
// done, Sync() joins it. At most one job is in flight.
//
// Thread safety: not thread-safe; one thread (the persister's drain loop)
// calls it. Internally one job runs at a time on its own thread: it owns the
// sealed page it syncs and calls only WritableFile::Sync on the active page's
// file, which may run while the calling thread appends to it.
// Invariants:
//   1. Appended ids are dense: every append has id next_id().
//   2. durable_next_id() only grows, and only after a job (or Sync()) has
//      fsynced every page holding an id below it, and the pages directory
//      after those pages' files were created or renamed: every id below it
//      survives a crash. The CHECKPOINT never claims more than that.
//   3. At most one sealed page waits for its sync: a page fills only after
//      the seal before it is durable (Drain() otherwise). So only the two
//      newest pages can lack a durable footer after a crash, and ids of the
//      newest are acknowledged only by a job that runs after the seal of the
//      one before it succeeded (recovery relies on both: store_recovery.h,
//      rule 4).
#ifndef EVBUS_PERSIST_STORE_WRITER_H_
#define EVBUS_PERSIST_STORE_WRITER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/file_env.h"
#include "base/status.h"
#include "persist/background_job.h"
#include "persist/dir_lock.h"
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
  // Records `id` (== next_id()) as abandoned: missing, with an empty body,
  // and why (with the pid of the producer that abandoned it, 0 if unknown).
  Status AppendAbandoned(std::uint64_t id, MissingReason reason = MissingReason::kUnknown,
                         std::int32_t producer_pid = 0);
  // Group commit: syncs if unsynced records are older than the interval; and
  // writes a lagging CHECKPOINT once checkpoint_interval has passed. Call it
  // when the input runs dry, or periodically.
  Status MaybeSync();
  // Makes every appended record durable and writes the checkpoint.
  Status Sync();
  // Sync(), then release the file and the LOCK (each failure reported; the
  // first one is returned). Idempotent.
  Status Close();

  std::uint64_t next_id() const { return next_id_; }
  std::uint64_t durable_next_id() const { return durable_next_id_; }
  std::uint64_t recovery_bytes_dropped() const { return recovery_bytes_dropped_; }
  const std::string& dir() const { return dir_; }

 private:
  StoreWriter(std::string dir, const StoreWriterOptions& options);
  Status StartPage();
  Status SealActive();
  // One sync job in the background: flush, then fdatasync the sealed page
  // (if any) and the active page, and the directory if it changed, while
  // appends go on; CompleteJob() acknowledges what it covered.
  Status StartSyncJob();
  // Completes jobs until none is pending or queued.
  Status Drain();
  // Joins the job in flight, if any, and acknowledges what it made durable;
  // starts the sync a seal queued behind it. A failed job stops the writer
  // for good (broken_).
  Status CompleteJob();
  // Writes the CHECKPOINT when it lags durable_next_id() and is due.
  Status MaybeCheckpoint();
  Status WriteCheckpoint();

  std::string dir_;
  std::string pages_dir_;
  std::string spare_path_;  // pages/SPARE
  StoreWriterOptions options_;
  Env* env_;
  std::unique_ptr<DirLock> lock_;
  std::unique_ptr<PageWriter> active_;
  std::uint64_t next_id_ = 0;
  std::uint64_t durable_next_id_ = 0;
  std::uint64_t checkpointed_next_id_ = 0;
  std::chrono::steady_clock::time_point last_checkpoint_{};
  std::uint64_t recovery_bytes_dropped_ = 0;
  bool pages_dir_dirty_ = false;  // a page was created since the last SyncDir
  std::chrono::steady_clock::time_point oldest_unsynced_{};
  bool has_unsynced_ = false;
  bool closed_ = false;
  Status broken_;  // set by a failed job; every later call returns it
  // The job in flight (job_.pending()): what it covers.
  std::uint64_t job_durable_next_id_ = 0;  // ids below are durable once it succeeds
  PageWriter::SyncPoint job_sync_point_;   // what its fdatasync covers of job_page_
  PageWriter* job_page_ = nullptr;         // the active page it syncs, if any
  PageWriter* job_sealing_ = nullptr;      // sealing_, when it syncs that too
  bool job_made_spare_ = false;            // it made pages/SPARE
  bool seal_queued_ = false;               // sealing_ waits for the job in flight
  bool seal_needs_dir_ = false;            // sealing_'s directory entry is not synced
  std::unique_ptr<PageWriter> sealing_;    // sealed, its footer not yet synced
  bool spare_ready_ = false;               // an empty pages/SPARE waits for the next page
  std::string renamed_spare_;              // the spare renamed to this page, not yet opened
  std::string recycled_buffer_;            // the sealed page's write buffer, for the next
  BackgroundJob job_;                      // last: destroyed (joined) before what it uses
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_STORE_WRITER_H_
