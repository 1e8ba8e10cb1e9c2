// Producer::PublishBig: an event body above max_record_size goes to a body
// file of its own, referenced from an ordinary ring record
// (docs/shm_layout.md, "Bodies outside the ring"). The ring protocol is
// unchanged: claim, write (the body file, then the reference), commit.
#include <algorithm>
#include <climits>

#include "shm/atomic128.h"
#include "shm/body_file.h"
#include "shm/crc32c.h"
#include "shm/producer.h"
#include "shm/sleepers.h"
#include "shm/wait.h"

namespace evbus::shm {
namespace {

constexpr std::int64_t kSliceNs = 1'000'000;

}  // namespace

Status Producer::PublishBig(const RecordMeta& meta, std::string_view body, std::int64_t timeout_ns,
                            std::uint64_t* id) {
  if (body.size() > kMaxEventBytes || max_record_size_ < sizeof(BodyRef)) {
    return Status::TooLarge("event body is " + std::to_string(body.size()) +
                            " bytes but an evbus event takes at most " +
                            std::to_string(kMaxEventBytes) +
                            " bytes (256 MiB less 64 KiB, the store's record bound); "
                            "split the event or keep the large data outside it");
  }
  const std::int64_t deadline = timeout_ns < 0 ? INT64_MAX : MonotonicNanos() + timeout_ns;
  // The CRC is taken before the claim, so the claim-to-commit window holds
  // only the file write.
  const BodyRef ref = MakeBodyRef(body.size(), crc32c::Value(body.data(), body.size()));
  EVBUS_RETURN_IF_ERROR(WaitForBodyRoom(body.size(), deadline));
  const std::int64_t left =
      timeout_ns < 0 ? -1 : std::max<std::int64_t>(0, deadline - MonotonicNanos());
  big_body_ = &body;
  big_status_ = Status::OK();
  const Status s =
      Publish(meta, std::string_view(reinterpret_cast<const char*>(&ref), sizeof ref), left, id);
  big_body_ = nullptr;
  return s;
}

// Waits until the live body files, after reclaiming what no durable
// subscriber needs, leave room for `need` more bytes (a body never waits for
// room it could not get: one body always fits an empty budget).
Status Producer::WaitForBodyRoom(std::uint64_t need, std::int64_t deadline_ns) {
  const std::uint64_t budget = std::max(need, BodyBudgetBytes());
  while (true) {
    const BodyUsage usage = ReclaimBodies(*segment_, need, budget);
    if (usage.bytes + need <= budget) return Status::OK();
    const std::uint64_t floor = DurableFloor(*segment_);
    if (MonotonicNanos() >= deadline_ns) {
      return Status::BackPressured("segment '" + segment_->shm_name() + "' holds " +
                                   std::to_string(usage.files) + " big-event bodies (" +
                                   std::to_string(usage.bytes) + " bytes; budget " +
                                   std::to_string(budget) +
                                   ") that a durable subscriber has not read yet (the slowest is "
                                   "at id " +
                                   std::to_string(floor) +
                                   "); it must read faster, or be restarted if it "
                                   "is gone ('evbus inspect' shows it)");
    }
    ++waits_;
    slot_->backpressure_waits.store(waits_, std::memory_order_relaxed);
    std::int64_t until = MonotonicNanos() + kSliceNs;
    if (until > deadline_ns) until = deadline_ns;
    const Segment* segment = segment_;
    WaitUntil(WaitStrategy::kBlocking, &segment_->wait_word()->consumed_seq,
              BackPressuredSleeper(*segment_, slot_index_), until, kSliceNs,
              [segment, floor] { return DurableFloor(*segment) != floor; });
  }
}

bool Producer::WriteBigBody(const Claim& claim) noexcept {
  const std::uint64_t x = claim.id;
  try {
    big_status_ = WriteBodyFile(*segment_, x, *big_body_);
  } catch (...) {
    big_status_ =
        Status::IOError("out of memory while writing the body file of event " + std::to_string(x));
  }
  if (big_status_.ok()) return true;
  AbandonOwnClaim(claim);  // nothing may be committed for x
  big_status_ = Status::IOError(big_status_.message() + "; event id " + std::to_string(x) +
                                " is reported abandoned");
  return false;
}

}  // namespace evbus::shm
