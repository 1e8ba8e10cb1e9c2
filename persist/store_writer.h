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
// Sealing a page is split so that the appending thread never waits for it:
// the footer is written at once, then a background thread fsyncs the sealed
// page, creates the next page's file and fsyncs the directory, while records
// of the next page are buffered (at most a page's worth). Acknowledgements
// wait for that job: the next Sync() joins it, MaybeSync() picks it up when
// it is done. At most one seal is in flight.
//
// Thread safety: not thread-safe; one thread (the persister's drain loop)
// calls it. Internally one seal job runs at a time on its own thread; it owns
// the sealed page, and the calling thread touches neither that page nor the
// Env until it has joined the job (CompleteSeal).
// Invariants:
//   1. Appended ids are dense: every append has id next_id().
//   2. durable_next_id() only grows, and only after fsync of the page (and of
//      the pages directory when a page was created): every id below it
//      survives a crash. The CHECKPOINT never claims more than that.
//   3. At most one page is unsealed: the newest. The next page's file is
//      created only after the sealed page's footer is durable.
//   4. Ids of a page are acknowledged only after every earlier page's seal is
//      durable and the page's directory entry is synced.
#ifndef EVBUS_PERSIST_STORE_WRITER_H_
#define EVBUS_PERSIST_STORE_WRITER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "core/status.h"
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
  // Everything appended is synced: acknowledge it, and checkpoint if due.
  Status MarkSynced();
  // Whether no seal job is in flight, or it has finished (not yet joined).
  bool SealFinished() const noexcept;
  // Joins the seal job: attaches the new page's file, acknowledges the sealed
  // page. A failed job stops the writer for good (broken_).
  Status CompleteSeal();
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
  Status broken_;  // set by a failed seal job; every later call returns it
  // The seal in flight (SealActive .. CompleteSeal).
  std::unique_ptr<PageWriter> sealing_;
  std::uint64_t sealed_next_id_ = 0;  // ids below are in sealed pages
  bool seal_pending_ = false;
  std::atomic<bool> seal_done_{false};
  Status seal_status_;                            // written by the job
  std::unique_ptr<WritableFile> seal_next_file_;  // written by the job
  std::thread seal_thread_;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_STORE_WRITER_H_
