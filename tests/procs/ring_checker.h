// RingChecker: checks what one subscriber reads from a ring filled with
// tests/procs/ring_payload.h payloads.
//
// Every id must be accounted for exactly once and in order (as a record, a
// gap or an abandoned id); every record's payload must be intact; each
// producer's sequence must be contiguous (strictly increasing where a gap may
// have swallowed some). Gaps and abandoned ids are errors unless allowed.
// Header-only: used by ring_subscriber_proc and by the tests.
#ifndef EVBUS_TESTS_PROCS_RING_CHECKER_H_
#define EVBUS_TESTS_PROCS_RING_CHECKER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shm/record.h"
#include "tests/procs/ring_payload.h"

namespace evbus::shm::testproc {

class RingChecker {
 public:
  RingChecker(std::uint32_t producers, bool allow_gaps, bool allow_abandoned)
      : next_seq_(producers, 0), allow_gaps_(allow_gaps), allow_abandoned_(allow_abandoned) {}

  // Feeds one read result; false (and error()) on the first violation.
  bool Feed(ReadStatus status, const Record& rec) {
    switch (status) {
      case ReadStatus::kEmpty:
        return true;
      case ReadStatus::kRecord:
        return FeedRecord(rec);
      case ReadStatus::kGap:
        if (!allow_gaps_) return Fail("unexpected gap");
        if (rec.gap_first != next_id_ || rec.gap_last < rec.gap_first) {
          return Fail("gap [" + std::to_string(rec.gap_first) + ".." +
                      std::to_string(rec.gap_last) + "] does not start at the expected id");
        }
        gap_ids_ += rec.gap_last - rec.gap_first + 1;
        ++gaps_;
        next_id_ = rec.gap_last + 1;
        return true;
      case ReadStatus::kAbandoned:
        if (!allow_abandoned_) return Fail("unexpected abandoned id " + std::to_string(rec.id));
        if (rec.id != next_id_) return Fail("abandoned id out of order");
        abandoned_ids_.push_back(rec.id);
        ++next_id_;
        return true;
      case ReadStatus::kCorrupt:
        return Fail("corrupt record " + std::to_string(rec.id));
    }
    return Fail("unknown read status");
  }

  std::uint64_t next_id() const { return next_id_; }
  std::uint64_t records() const { return records_; }
  std::uint64_t gaps() const { return gaps_; }
  std::uint64_t gap_ids() const { return gap_ids_; }
  const std::vector<std::uint64_t>& abandoned_ids() const { return abandoned_ids_; }
  // Next sequence number expected from `producer` (= records seen when no gap).
  std::uint64_t next_seq(std::uint32_t producer) const { return next_seq_[producer]; }
  const std::string& error() const { return error_; }

 private:
  bool FeedRecord(const Record& rec) {
    if (rec.id != next_id_) {
      return Fail("record id " + std::to_string(rec.id) + ", expected " + std::to_string(next_id_));
    }
    std::uint32_t producer = 0;
    std::uint64_t seq = 0;
    std::string why;
    if (!CheckPayload(rec.body, &producer, &seq, &why)) return Fail(why);
    if (producer >= next_seq_.size()) return Fail("unknown producer " + std::to_string(producer));
    const bool in_order = allow_gaps_ ? seq >= next_seq_[producer] : seq == next_seq_[producer];
    if (!in_order) {
      return Fail("producer " + std::to_string(producer) + " seq " + std::to_string(seq) +
                  ", expected " + std::to_string(next_seq_[producer]));
    }
    next_seq_[producer] = seq + 1;
    ++records_;
    ++next_id_;
    return true;
  }
  bool Fail(std::string what) {
    if (error_.empty()) error_ = "at id " + std::to_string(next_id_) + ": " + std::move(what);
    return false;
  }

  std::vector<std::uint64_t> next_seq_;
  bool allow_gaps_;
  bool allow_abandoned_;
  std::uint64_t next_id_ = 0;
  std::uint64_t records_ = 0;
  std::uint64_t gaps_ = 0;
  std::uint64_t gap_ids_ = 0;
  std::vector<std::uint64_t> abandoned_ids_;
  std::string error_;
};

}  // namespace evbus::shm::testproc

#endif  // EVBUS_TESTS_PROCS_RING_CHECKER_H_
