// A producer that stalls between claim and write for longer than the abandon
// timeout, and writes once the ring has moved on, must never make a reader
// receive another event's body under an id (or a body of the wrong length):
// every id read carries the body committed for it, or is reported (gap,
// abandoned, corrupt). Real processes: the late writer is
// tests/procs/late_writer_proc, the other producer and the reader are this
// test process.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <string>

#include "tests/procs/ring_payload.h"
#include "tests/shm/child_process.h"
#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

using namespace std::chrono_literals;
using testproc::ChildProcess;
using testproc::HelperPath;

constexpr std::uint32_t kIndexSlots = 8;
constexpr std::uint32_t kLateProducer = 7;  // payload producer index of the late writer
constexpr std::uint32_t kOtherProducer = 0;
constexpr int kRounds = 150;

class LateWriteTest : public RingTest {
 protected:
  // Publishes payloads until the id of the entry `claimed` uses is handed out
  // again (claimed + N): by then `claimed` was abandoned (the late writer is
  // alive, so after the abandon timeout) and the entry belongs to a newer id.
  void CommitPast(Producer* p, std::uint64_t claimed) {
    std::uint64_t id = 0;
    do {
      testproc::MakePayload(kOtherProducer, seq_, &body_);
      id = MustPublish(p, body_);
      committed_[id] = seq_++;
    } while (id < claimed + kIndexSlots && !::testing::Test::HasFailure());
  }

  // Reads until nothing is left; every record must be one this process
  // committed under exactly that id. Counts the corrupt reports of `reused`.
  void DrainAndCheck(Subscriber* sub, std::uint64_t claimed, std::uint64_t reused) {
    Record r;
    for (ReadStatus st = sub->TryRead(&r); st != ReadStatus::kEmpty; st = sub->TryRead(&r)) {
      if (st == ReadStatus::kCorrupt) {
        EXPECT_EQ(reused, r.id) << "only the entry the late write hit may fail its check";
        if (r.id == reused) ++detected_;
        continue;
      }
      if (st == ReadStatus::kAbandoned) {
        EXPECT_EQ(claimed, r.id);
      }
      if (st != ReadStatus::kRecord) continue;
      std::uint32_t producer = 0;
      std::uint64_t seq = 0;
      std::string why;
      ASSERT_TRUE(testproc::CheckPayload(r.body, &producer, &seq, &why))
          << "id " << r.id << ": " << why;
      ASSERT_EQ(kOtherProducer, producer)
          << "id " << r.id << " was delivered with the body of the late writer's record " << claimed
          << " (its seq " << seq << ")";
      auto it = committed_.find(r.id);
      ASSERT_NE(committed_.end(), it) << "id " << r.id << " was never committed";
      ASSERT_EQ(it->second, seq) << "id " << r.id << " carries another record's body";
    }
  }

  std::map<std::uint64_t, std::uint64_t> committed_;  // id -> seq of our payload
  std::uint64_t seq_ = 0;
  std::string body_;
  int detected_ = 0;
};

TEST_F(LateWriteTest, LateWriteAfterAbandonIsNeverDeliveredUnderAnotherId) {
  // Data ring much larger than N records: the late write lands in bytes no
  // newer record uses, and consistently into the reused entry, so only the
  // record check can tell it from the record committed there.
  Create(1 << 16, kIndexSlots, 1024, /*abandon_timeout_ns=*/5'000'000);
  auto other = NewProducer("other");
  auto sub = NewSubscriber(Opts("checker", false, StartAt::kLatest));
  ChildProcess late;
  ASSERT_TRUE(late.Start({HelperPath("late_writer_proc"), stream_, std::to_string(kLateProducer),
                          std::to_string(kRounds)}));
  std::string line;
  ASSERT_TRUE(late.ReadLineStartingWith("ready ", &line, 10s));
  for (int round = 0; round < kRounds && !HasFailure(); ++round) {
    ASSERT_TRUE(late.ReadLineStartingWith("claimed ", &line, 10s)) << "round " << round;
    const std::uint64_t claimed = std::stoull(line.substr(8));
    CommitPast(other.get(), claimed);
    late.Kill(SIGUSR1);  // the late write: body at its old position, fields into the entry
    ASSERT_TRUE(late.ReadLine(&line, 10s)) << "round " << round;
    ASSERT_EQ("abandoned " + std::to_string(claimed), line) << "round " << round;
    DrainAndCheck(sub.get(), claimed, claimed + kIndexSlots);
  }
  if (HasFailure()) return;  // the late writer is killed on scope exit
  ASSERT_TRUE(late.ReadLineStartingWith("done", &line, 10s));
  int status = 0;
  ASSERT_TRUE(late.Wait(&status, 10s));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  // The reader reached every reused entry after its late write: each one was
  // reported, none was delivered.
  EXPECT_EQ(kRounds, detected_);
}

}  // namespace
}  // namespace evbus::shm
