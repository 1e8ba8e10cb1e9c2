// kill -9 of producer processes: at random points while publishing, and
// exactly between claim and commit. Readers must move past the dead record
// (reported as abandoned) long before the abandon timeout, never see a torn
// record, and other producers must keep publishing.
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "shm/atomic128.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tests/procs/ring_checker.h"
#include "tests/shm/child_process.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

using testproc::ChildProcess;
using testproc::HelperPath;
using testproc::RingChecker;
using testproc::ScopedSegmentName;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kRounds = 120;
// Long, so that moving on quickly proves the owner's death was detected.
constexpr std::int64_t kAbandonTimeoutNs = 10'000'000'000;
constexpr auto kMovePastDeadline = 2s;

class ProducerKillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SegmentOptions o;
    // Room for ~60000 records: an unthrottled victim is killed long before
    // the durable reader's gate would stop it.
    o.data_capacity = 16 << 20;
    o.index_slots = 1 << 16;
    o.max_record_size = 4096;
    o.abandon_timeout_ns = kAbandonTimeoutNs;
    Status s = ::evbus::testutil::AssignTo(&segment_, Segment::Create(name_.stream, "", o));
    ASSERT_TRUE(s.ok()) << s.ToString();
    SubscriberOptions so;
    so.name = "killwatch";
    so.durable = true;  // every committed record must arrive: no gap allowed
    so.wait = WaitStrategy::kBlocking;
    s = ::evbus::testutil::AssignTo(&reader_, Subscriber::Attach(segment_.get(), so));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Starts a producer process; returns its producer slot (0 on failure).
  std::uint32_t StartProducer(ChildProcess* child, std::uint32_t index, const std::string& count,
                              const std::string& extra = "") {
    std::vector<std::string> argv = {HelperPath("ring_producer_proc"), name_.stream,
                                     std::to_string(index), count};
    if (!extra.empty()) argv.push_back(extra);
    EXPECT_TRUE(child->Start(argv));
    std::string line;
    EXPECT_TRUE(child->ReadLine(&line, 10s)) << "producer " << index << " did not start";
    EXPECT_EQ(line.rfind("ready ", 0), 0u) << line;
    if (line.rfind("ready ", 0) != 0) return 0;
    return static_cast<std::uint32_t>(std::stoul(line.substr(6)));
  }

  // Reads (and checks) until `done()` holds; false if `deadline` passes first.
  template <typename Done>
  bool ReadUntil(RingChecker* checker, Done done, Clock::time_point deadline) {
    Record rec;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      const ReadStatus st = reader_->Read(&rec, 1'000'000);
      if (!checker->Feed(st, rec)) {
        ADD_FAILURE() << checker->error();
        return false;
      }
    }
    return true;
  }

  std::uint64_t Head() const { return LoadHalfAcquire(&segment_->claim()->next_id); }

  static void ExpectKilled(ChildProcess* child) {
    child->Kill(SIGKILL);
    int status = 0;
    ASSERT_TRUE(child->Wait(&status, 10s)) << "killed producer was not reaped";
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;
  }

  ScopedSegmentName name_{"ring_kill_" + std::to_string(::getpid())};
  std::unique_ptr<Segment> segment_;
  std::unique_ptr<Subscriber> reader_;
};

TEST_F(ProducerKillTest, ReadersMovePastProducersKilledAtRandomPointsAndOthersKeepPublishing) {
  // Round r: victim 2r+1 publishes until killed, producer 2r+2 publishes
  // kOtherRecords beside it and must get all of them through.
  constexpr std::uint64_t kOtherRecords = 2000;
  RingChecker checker(2 * kRounds + 1, /*allow_gaps=*/false, /*allow_abandoned=*/true);
  std::mt19937 rng(12345);
  std::size_t abandoned_before = 0;
  for (int round = 0; round < kRounds; ++round) {
    const auto victim_index = static_cast<std::uint32_t>(2 * round + 1);
    const auto other_index = victim_index + 1;
    ChildProcess victim, other;
    StartProducer(&other, other_index, std::to_string(kOtherRecords));
    StartProducer(&victim, victim_index, "0");
    // Kill it once a random number of further ids has been claimed (by it or
    // by the other producer), as the segment's claim word shows.
    const std::uint64_t target = Head() + std::uniform_int_distribution<std::uint64_t>(1, 200)(rng);
    const auto until = Clock::now() + 10s;
    while (Head() < target) {
      ASSERT_LT(Clock::now(), until) << "round " << round << ": victim stopped publishing";
      ::sched_yield();  // two cores: leave them to the producers
    }
    ExpectKilled(&victim);

    // Everything claimed so far is accounted for well before the abandon
    // timeout, and the other producer gets all its records through.
    const std::uint64_t head = Head();
    const auto killed_at = Clock::now();
    ASSERT_TRUE(ReadUntil(
        &checker, [&] { return checker.next_id() >= head; }, killed_at + kMovePastDeadline))
        << "round " << round << ": reader stuck at id " << checker.next_id() << " (head " << head
        << ")";
    ASSERT_TRUE(ReadUntil(
        &checker, [&] { return checker.next_seq(other_index) >= kOtherRecords; },
        Clock::now() + 10s))
        << "round " << round << ": the other producer's records stopped after the kill";
    int status = 0;
    ASSERT_TRUE(other.Wait(&status, 10s));
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    // At most one record of the victim was in flight; it is the abandoned one.
    ASSERT_LE(checker.abandoned_ids().size(), abandoned_before + 1) << "round " << round;
    abandoned_before = checker.abandoned_ids().size();
    // The victim's records form a prefix of its sequence (checked per record).
    EXPECT_GE(checker.next_seq(victim_index), 1u) << "round " << round;
  }
  std::printf(
      "[ kill ] %d producers killed, %zu of them between claim and commit (abandoned "
      "ids reported), %llu records checked\n",
      kRounds, checker.abandoned_ids().size(), static_cast<unsigned long long>(checker.records()));
}

TEST_F(ProducerKillTest, ReportsExactlyTheIdOfAProducerKilledBetweenClaimAndCommit) {
  RingChecker checker(3, /*allow_gaps=*/false, /*allow_abandoned=*/true);
  ChildProcess victim;
  StartProducer(&victim, 1, "10", "pause-after=3");
  std::string line;
  ASSERT_TRUE(victim.ReadLine(&line, 10s)) << "victim never reached the pause hook";
  ASSERT_EQ(line.rfind("claimed ", 0), 0u) << line;
  const std::uint64_t claimed = std::stoull(line.substr(8));
  EXPECT_EQ(claimed, 3u);

  // Another producer publishes behind the stalled record while its owner lives.
  ChildProcess other;
  StartProducer(&other, 2, "100");
  int status = 0;
  ASSERT_TRUE(other.Wait(&status, 20s));
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  ASSERT_TRUE(ReadUntil(
      &checker, [&] { return checker.next_id() >= claimed; }, Clock::now() + 5s));
  // The owner is alive (stopped in the hook): its record is not given up.
  Record rec;
  EXPECT_EQ(reader_->Read(&rec, 200'000'000), ReadStatus::kEmpty);
  EXPECT_EQ(reader_->next_id(), claimed);

  ExpectKilled(&victim);
  const auto killed_at = Clock::now();
  ASSERT_TRUE(ReadUntil(
      &checker, [&] { return !checker.abandoned_ids().empty(); }, killed_at + kMovePastDeadline))
      << "the dead producer's record was not abandoned in time";
  EXPECT_EQ(checker.abandoned_ids(), std::vector<std::uint64_t>{claimed});
  // Everything the other producer published flows after it.
  ASSERT_TRUE(ReadUntil(
      &checker, [&] { return checker.next_seq(2) >= 100; }, Clock::now() + 5s));
  EXPECT_EQ(checker.next_seq(1), 3u);
  EXPECT_EQ(checker.next_id(), claimed + 1 + 100);
}

}  // namespace
}  // namespace evbus::shm
