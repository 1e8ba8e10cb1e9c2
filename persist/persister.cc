#include "persist/persister.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "persist/missing_record.h"
#include "persist/record_convert.h"
#include "persist/store_paths.h"
#include "shm/atomic128.h"
#include "shm/event_record.h"
#include "shm/wait.h"

namespace evbus::persist {
namespace {

constexpr int kMaxWriteRetries = 600;  // ~60 s of a full disk, then give up
constexpr auto kRetryBackoff = std::chrono::milliseconds(100);

}  // namespace

Result<std::unique_ptr<Persister>> Persister::Open(const PersisterOptions& options) {
  auto dir = EvbusDir(options.root, options.session_id, options.user_id);
  if (!dir.ok()) return dir.status();
  std::unique_ptr<Persister> persister(new Persister(options));
  auto writer = StoreWriter::Open(*dir, options.writer);
  if (!writer.ok()) return writer.status();
  persister->writer_ = std::move(*writer);
  EVBUS_RETURN_IF_ERROR(persister->Attach());
  EVBUS_RETURN_IF_ERROR(persister->OpenExtras(*dir));  // after Attach: no files for no stream
  return persister;
}

Persister::~Persister() { (void)Close(); }

Status Persister::Attach() {
  auto segment = shm::Segment::Open(options_.session_id, options_.user_id);
  if (!segment.ok()) {
    const Status& s = segment.status();
    return s.IsNotFound() ? Status::NotFound("no stream '" + options_.session_id +
                                             "' to persist: create it first (" + s.message() + ")")
                          : s;
  }
  segment_ = std::move(*segment);
  shm::SubscriberOptions gate;
  gate.name = options_.subscriber_name;
  gate.durable = true;
  gate.start = shm::StartAt::kAtId;
  gate.start_id = writer_->durable_next_id();
  EVBUS_ASSIGN_OR_RETURN(gate_, shm::Subscriber::Attach(segment_.get(), gate));
  shm::SubscriberOptions reader;
  reader.name = options_.subscriber_name + "-reader";
  reader.start = shm::StartAt::kAtId;
  reader.start_id = writer_->next_id();
  EVBUS_ASSIGN_OR_RETURN(reader_, shm::Subscriber::Attach(segment_.get(), reader));
  if (gate_->next_id() > writer_->durable_next_id() && options_.log) {
    options_.log("evbus persist: the durable registration '" + options_.subscriber_name +
                 "' is at id " + std::to_string(gate_->next_id()) + ", past the store's " +
                 std::to_string(writer_->durable_next_id()) +
                 ": ids between may already be overwritten");
  }
  return AdvanceGate();
}

Status Persister::AdvanceGate() {
  const std::uint64_t durable = writer_->durable_next_id();
  shm::Record record;
  while (gate_->next_id() < durable) {
    // Everything below `durable` is committed or abandoned (the reader saw
    // it), so a read never waits; kEmpty would mean an abandon in flight.
    if (gate_->TryRead(&record) == shm::ReadStatus::kEmpty) break;
  }
  gate_->FlushProgress();  // it stopped at `durable`, maybe inside a wake batch
  return Status::OK();
}

Status Persister::AppendWithRetry(std::uint64_t id, const shm::Record* record, MissingReason reason,
                                  std::int32_t producer_pid) {
  for (int attempt = 0;; ++attempt) {
    Status s;
    if (writer_->next_id() == id) {
      s = record == nullptr ? writer_->AppendAbandoned(id, reason, producer_pid)
                            : writer_->Append(RecordMetaFromRing(id, record->meta), scratch_);
    } else {
      s = writer_->Sync();  // the record is buffered; a write or sync failed
    }
    if (s.ok() || s.code() != Status::Code::kIOError || attempt >= kMaxWriteRetries ||
        stop_.load(std::memory_order_relaxed)) {
      return s;
    }
    if (options_.log && attempt % 10 == 0) options_.log("evbus persist: retrying: " + s.message());
    std::this_thread::sleep_for(kRetryBackoff);
  }
}

Status Persister::StoreRecord(const shm::Record& record) {
  // A header no publisher writes (shm/event_record.h) is skipped like a
  // record that failed its check: the id is stored as missing, with why.
  if (const Result<EventMeta> meta = EventMetaFromRecord(record.id, record.meta); !meta.ok()) {
    return StoreMissing(record.id, record.id, MissingReason::kCorrupt, meta.status().message());
  }
  scratch_.clear();
  AppendEventJsonWithId(record.id, record.body, &scratch_);
  if (openhands_files_) WriteOpenHandsFile(record.id, scratch_);  // before the store has it
  Status s = AppendWithRetry(record.id, &record);
  if (s.ok()) ++stats_.persisted;
  return s;
}

Status Persister::StoreMissing(std::uint64_t first, std::uint64_t last, MissingReason reason,
                               std::string_view why) {
  if (options_.log) {
    options_.log("evbus persist: ids " + std::to_string(first) + ".." + std::to_string(last) +
                 " are recorded as missing: " + std::string(why));
  }
  for (std::uint64_t id = std::max(first, writer_->next_id()); id <= last; ++id) {
    EVBUS_RETURN_IF_ERROR(AppendWithRetry(id, nullptr, reason));
    ++stats_.abandoned;
  }
  return Status::OK();
}

Status Persister::StoreAbandoned(const shm::Record& record) {
  const std::int32_t pid = record.abandoned_by_pid;
  EVBUS_RETURN_IF_ERROR(AppendWithRetry(record.id, nullptr, MissingReason::kAbandoned, pid));
  ++stats_.abandoned;
  AbandonedRun& run = abandoned_run_;
  if (run.open && run.last + 1 == record.id && run.producer_pid == pid) {
    run.last = record.id;
    return Status::OK();
  }
  LogAbandonedRun();
  run = AbandonedRun{true, record.id, record.id, pid};
  return Status::OK();
}

// True while the reader waits for a claimed record to be committed or
// abandoned (at most the abandon timeout): a run of abandoned ids may go on.
bool Persister::ReaderStalled() const {
  return shm::LoadHalfAcquire(&segment_->claim()->next_id) > reader_->next_id();
}

void Persister::LogAbandonedRun() {
  AbandonedRun& run = abandoned_run_;
  if (!run.open) return;
  run.open = false;
  if (!options_.log) return;
  const std::string ids = run.first == run.last ? "id " + std::to_string(run.first) + " was "
                                                : "ids " + std::to_string(run.first) + ".." +
                                                      std::to_string(run.last) + " were ";
  options_.log("evbus persist: " + ids + MissingCause(MissingReason::kAbandoned, run.producer_pid) +
               "; recorded as missing");
}

Status Persister::Handle(shm::ReadStatus status, const shm::Record& record) {
  using shm::ReadStatus;
  if (status != ReadStatus::kAbandoned && !(status == ReadStatus::kEmpty && ReaderStalled())) {
    LogAbandonedRun();  // the reader moved past the run
  }
  if (status == ReadStatus::kEmpty) {
    Status s = writer_->MaybeSync();
    if (s.ok()) s = AdvanceGate();
    return s;
  }
  if (status == ReadStatus::kGap) {
    stats_.lost += record.gap_last - record.gap_first + 1;
    return StoreMissing(record.gap_first, record.gap_last, MissingReason::kOverwritten,
                        "the ring overwrote them before the persister stored them");
  }
  if (record.id < writer_->next_id()) {
    ++stats_.skipped;  // already in the store
    return Status::OK();
  }
  if (record.id > writer_->next_id()) {
    LogAbandonedRun();
    EVBUS_RETURN_IF_ERROR(StoreMissing(writer_->next_id(), record.id - 1, MissingReason::kUnknown,
                                       "the ring skipped them"));
  }
  switch (status) {
    case ReadStatus::kRecord:
      return StoreRecord(record);
    case ReadStatus::kAbandoned:
      return StoreAbandoned(record);
    case ReadStatus::kCorrupt:
      return StoreMissing(record.id, record.id, MissingReason::kCorrupt,
                          "the record failed its check in the ring");
    default:
      return Status::OK();
  }
}

Status Persister::DrainOnce() {
  shm::Record record;
  const shm::ReadStatus status = reader_->Read(&record, options_.poll_timeout_ns);
  const std::uint64_t durable_before = writer_->durable_next_id();
  Status s = Handle(status, record);
  if (s.ok() && writer_->durable_next_id() != durable_before) s = AdvanceGate();
  return s;
}

Status Persister::Run() {
  while (!stop_.load(std::memory_order_relaxed) && !IdleStop()) {
    Status s = DrainOnce();
    if (!s.ok()) {
      (void)Close();
      return s;
    }
  }
  return Close();
}

Status Persister::Close() {
  LogAbandonedRun();
  if (!writer_) return Status::OK();
  Status s = writer_->Close();  // syncs: everything read becomes durable
  if (s.ok() && gate_) s = AdvanceGate();
  return s;
}

}  // namespace evbus::persist
