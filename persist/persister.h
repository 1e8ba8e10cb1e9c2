// Persister: drains a stream's ring into its store (`evbus persist`).
//
// Two subscribers of the segment of (session_id, user_id) do the work:
//   - the reader (non-durable, "<name>-reader") reads records, which become
//     page records (the JSON with the id put first; abandoned ids become
//     abandoned records, so ids stay dense);
//   - the gate (durable, "<name>") follows behind and is advanced only up to
//     what the store has made durable (CHECKPOINT written). A durable cursor
//     moves on every read, so the gate never reads past the durable id:
//     producers are back-pressured by what is durable, not by what was read,
//     and a persister killed between read and fsync loses nothing (the ring
//     still holds those records). The reader is never lapped: it is ahead of
//     the gate.
// One persister per store: the LOCK refuses a second one, naming the pid.
//
// Restart: the store is recovered first (torn tail cut and reported); the
// reader starts at the store's next id; the gate resumes its registration
// (at most the durable id) and catches up by reading.
//
// Thread safety: one thread runs the persister; RequestStop() may be called
// from any thread or a signal handler.
// Invariants:
//   1. The store receives every id from its next id on exactly once, in order.
//   2. Stop: everything read is flushed and synced before Run() returns.
#ifndef EVBUS_PERSIST_PERSISTER_H_
#define EVBUS_PERSIST_PERSISTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "persist/idle_exit.h"
#include "persist/openhands_event_files.h"
#include "persist/page_reader.h"
#include "persist/store_writer.h"
#include "shm/record.h"
#include "shm/segment.h"
#include "shm/subscriber.h"

namespace evbus::persist {

struct PersisterOptions {
  std::string root;        // the store root (OpenHands' file store root)
  std::string session_id;  // the stream
  std::string user_id;     // optional
  std::string subscriber_name = "persister";
  StoreWriterOptions writer;                 // fsync policy, page bounds, reporter
  std::int64_t poll_timeout_ns = 2'000'000;  // wait for records at most this long per read
  // Also write OpenHands' own files (events/<id>.json, event_cache/ pages)
  // of every stored event: persist/openhands_event_files.h.
  bool openhands_layout = false;
  // Stop once the stream has had no user but the persister and everything
  // was durable for this long (persist/idle_exit.h); 0: until RequestStop().
  std::int64_t exit_when_idle_ns = 0;
  // Notices for a person: missing ids (abandoned ones with the producer's
  // pid, one line per run of consecutive ids), retries.
  std::function<void(const std::string&)> log;
};

struct PersisterStats {
  std::uint64_t persisted = 0;              // events written
  std::uint64_t abandoned = 0;              // ids recorded as abandoned (incl. lost and corrupt)
  std::uint64_t lost = 0;                   // ids the ring no longer held (reported)
  std::uint64_t skipped = 0;                // ids already in the store
  std::uint64_t openhands_file_errors = 0;  // OpenHands files not written (logged)
};

class Persister {
 public:
  // Takes the store (LOCK, recovery), attaches to the segment.
  static Result<std::unique_ptr<Persister>> Open(const PersisterOptions& options);
  ~Persister();

  // Drains until RequestStop(); then flushes, syncs and closes the store.
  Status Run();
  // Reads and stores what arrives within one poll; for tests and tools.
  Status DrainOnce();
  void RequestStop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  // Sync and close the store (Run() does it on stop). Idempotent.
  Status Close();

  std::uint64_t next_id() const { return writer_->next_id(); }
  std::uint64_t durable_next_id() const { return writer_->durable_next_id(); }
  const PersisterStats& stats() const { return stats_; }

 private:
  explicit Persister(const PersisterOptions& options) : options_(options) {}
  Status Attach();
  Status AdvanceGate();
  Status Handle(shm::ReadStatus status, const shm::Record& record);
  Status StoreRecord(const shm::Record& record);
  Status StoreMissing(std::uint64_t first, std::uint64_t last, MissingReason reason,
                      std::string_view why);
  Status StoreAbandoned(const shm::Record& record);
  // Appends `record` as event `id`, or with record == nullptr `id` as
  // missing for `reason`; retries a full disk.
  Status AppendWithRetry(std::uint64_t id, const shm::Record* record,
                         MissingReason reason = MissingReason::kUnknown,
                         std::int32_t producer_pid = 0);
  void LogAbandonedRun();
  bool ReaderStalled() const;
  // persister_extras.cc: the OpenHands layout and the idle exit.
  Status OpenExtras(const std::string& evbus_dir);
  void WriteOpenHandsFile(std::uint64_t id, std::string_view json);
  bool IdleStop();

  PersisterOptions options_;
  std::unique_ptr<IdleExit> idle_exit_;  // first: its lock goes last, after the subscribers
  std::unique_ptr<OpenHandsEventFiles> openhands_files_;
  std::unique_ptr<StoreWriter> writer_;
  std::unique_ptr<shm::Segment> segment_;
  std::unique_ptr<shm::Subscriber> reader_;
  std::unique_ptr<shm::Subscriber> gate_;
  std::string scratch_;
  PersisterStats stats_;
  // Abandoned ids stored but not logged yet: consecutive ones of one producer
  // make one line, written when the reader moves past them.
  struct AbandonedRun {
    bool open = false;
    std::uint64_t first = 0, last = 0;
    std::int32_t producer_pid = 0;
  };
  AbandonedRun abandoned_run_;
  std::atomic<bool> stop_{false};
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_PERSISTER_H_
