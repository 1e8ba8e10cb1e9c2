#include "persist/persister.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "persist/record_convert.h"
#include "persist/store_paths.h"
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
  return persister;
}

Persister::~Persister() { (void)Close(); }

Status Persister::Attach() {
  Status s = shm::Segment::Open(options_.session_id, options_.user_id, &segment_);
  if (!s.ok()) {
    return Status(s.code() == Status::Code::kNotFound
                      ? Status::NotFound("no stream '" + options_.session_id +
                                         "' to persist: create it first (" + s.message() + ")")
                      : s);
  }
  shm::SubscriberOptions gate;
  gate.name = options_.subscriber_name;
  gate.durable = true;
  gate.start = shm::StartAt::kAtId;
  gate.start_id = writer_->durable_next_id();
  s = shm::Subscriber::Attach(segment_.get(), gate, &gate_);
  if (!s.ok()) return s;
  shm::SubscriberOptions reader;
  reader.name = options_.subscriber_name + "-reader";
  reader.start = shm::StartAt::kAtId;
  reader.start_id = writer_->next_id();
  s = shm::Subscriber::Attach(segment_.get(), reader, &reader_);
  if (!s.ok()) return s;
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
  return Status::OK();
}

Status Persister::AppendWithRetry(std::uint64_t id, bool abandoned, const shm::Record* record) {
  for (int attempt = 0;; ++attempt) {
    Status s;
    if (writer_->next_id() == id) {
      s = abandoned ? writer_->AppendAbandoned(id)
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
  scratch_.clear();
  AppendEventJsonWithId(record.id, record.body, &scratch_);
  Status s = AppendWithRetry(record.id, false, &record);
  if (s.ok()) ++stats_.persisted;
  return s;
}

Status Persister::StoreMissing(std::uint64_t first, std::uint64_t last, std::string_view why) {
  if (options_.log) {
    options_.log("evbus persist: ids " + std::to_string(first) + ".." + std::to_string(last) +
                 " are recorded as missing: " + std::string(why));
  }
  for (std::uint64_t id = std::max(first, writer_->next_id()); id <= last; ++id) {
    EVBUS_RETURN_IF_ERROR(AppendWithRetry(id, true, nullptr));
    ++stats_.abandoned;
  }
  return Status::OK();
}

Status Persister::Handle(shm::ReadStatus status, const shm::Record& record) {
  using shm::ReadStatus;
  if (status == ReadStatus::kEmpty) {
    Status s = writer_->MaybeSync();
    if (s.ok()) s = AdvanceGate();
    return s;
  }
  if (status == ReadStatus::kGap) {
    stats_.lost += record.gap_last - record.gap_first + 1;
    return StoreMissing(record.gap_first, record.gap_last,
                        "the ring overwrote them before the persister stored them");
  }
  if (record.id < writer_->next_id()) {
    ++stats_.skipped;  // already in the store
    return Status::OK();
  }
  if (record.id > writer_->next_id()) {
    Status s = StoreMissing(writer_->next_id(), record.id - 1, "the ring skipped them");
    if (!s.ok()) return s;
  }
  switch (status) {
    case ReadStatus::kRecord:
      return StoreRecord(record);
    case ReadStatus::kAbandoned:
      ++stats_.abandoned;
      return AppendWithRetry(record.id, true, nullptr);
    case ReadStatus::kCorrupt:
      return StoreMissing(record.id, record.id, "the record failed its CRC in the ring");
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
  while (!stop_.load(std::memory_order_relaxed)) {
    Status s = DrainOnce();
    if (!s.ok()) {
      (void)Close();
      return s;
    }
  }
  return Close();
}

Status Persister::Close() {
  if (!writer_) return Status::OK();
  Status s = writer_->Close();  // syncs: everything read becomes durable
  if (s.ok() && gate_) s = AdvanceGate();
  return s;
}

}  // namespace evbus::persist
