#include "persist/persister.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/event_record.h"
#include "persist/record_convert.h"
#include "persist/store_paths.h"
#include "shm/wait.h"

namespace evbus::persist {
namespace {

constexpr int kMaxWriteRetries = 600;  // ~60 s of a full disk, then give up
constexpr auto kRetryBackoff = std::chrono::milliseconds(100);
constexpr std::int64_t kReplayDeadlineNs = 10'000'000'000;

}  // namespace

Result<std::unique_ptr<Persister>> Persister::Open(const PersisterOptions& options) {
  auto dir = EvbusDir(options.root, options.session_id, options.user_id);
  if (!dir.ok()) return dir.status();
  std::unique_ptr<Persister> persister(new Persister(options));
  auto writer = StoreWriter::Open(*dir, options.writer);
  if (!writer.ok()) return writer.status();
  persister->writer_ = std::move(*writer);
  Status s = persister->Attach();
  if (!s.ok()) return s;
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
  shm::SubscriberOptions sub;
  sub.name = options_.subscriber_name;
  sub.durable = true;
  sub.start = shm::StartAt::kAtId;
  sub.start_id = writer_->next_id();
  s = shm::Subscriber::Attach(segment_.get(), sub, &subscriber_);
  if (!s.ok()) return s;
  // A registration from a persister that died may be ahead of the store.
  if (subscriber_->next_id() > writer_->next_id()) return Replay(subscriber_->next_id());
  return Status::OK();
}

Status Persister::Replay(std::uint64_t until) {
  shm::SubscriberOptions sub;
  sub.name = options_.subscriber_name + "-replay";
  sub.start = shm::StartAt::kAtId;
  sub.start_id = writer_->next_id();
  std::unique_ptr<shm::Subscriber> replay;
  Status s = shm::Subscriber::Attach(segment_.get(), sub, &replay);
  if (!s.ok()) return s;
  const std::int64_t deadline = shm::MonotonicNanos() + kReplayDeadlineNs;
  while (writer_->next_id() < until) {
    shm::Record record;
    const shm::ReadStatus status = replay->Read(&record, options_.poll_timeout_ns);
    if (status == shm::ReadStatus::kEmpty) {
      if (shm::MonotonicNanos() > deadline) {
        return Status::TimedOut("replaying ids " + std::to_string(writer_->next_id()) + ".." +
                                std::to_string(until - 1) + " from the ring made no progress");
      }
      continue;
    }
    if (status == shm::ReadStatus::kGap) {
      record.gap_last = std::min(record.gap_last, until - 1);
    } else if (record.id >= until) {
      break;
    }
    s = Handle(status, record);
    if (!s.ok()) return s;
    ++stats_.replayed;
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
    Status s = AppendWithRetry(id, true, nullptr);
    if (!s.ok()) return s;
    ++stats_.abandoned;
  }
  return Status::OK();
}

Status Persister::Handle(shm::ReadStatus status, const shm::Record& record) {
  using shm::ReadStatus;
  if (status == ReadStatus::kEmpty) return writer_->MaybeSync();
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
  const shm::ReadStatus status = subscriber_->Read(&record, options_.poll_timeout_ns);
  return Handle(status, record);
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
  return writer_->Close();
}

}  // namespace evbus::persist
