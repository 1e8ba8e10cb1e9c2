// A restartable producer killed between claim and commit: readers wait for
// the abandon timeout instead of abandoning the id at once, and a restarted
// producer finishes the claim with the same record (Producer::TakeOverClaim;
// docs/shm_layout.md section 7, "Restartable producers"). Real processes: the
// claimer is a forked child stopped in the pause hook and killed there.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "shm/body_file.h"
#include "shm/layout.h"
#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

int g_claim_pipe = -1;

void TellClaimAndHang(std::uint64_t id) {
  if (::write(g_claim_pipe, &id, sizeof(id)) != sizeof(id)) ::_exit(3);
  while (true) ::pause();
}

class TakeOverTest : public RingTest {
 protected:
  void TearDown() override {
    if (child_ > 0) Kill();
    RingTest::TearDown();
  }
  // Forks a producer that claims the next id for `body` and hangs there:
  // after its claimant store, or (before_claimant) right after its claim CAS,
  // or (mid_body, a big event) with its body file half written.
  std::uint64_t ForkClaimer(bool restartable, const std::string& body, bool before_claimant = false,
                            bool hold = false, bool mid_body = false) {
    int fds[2];
    EXPECT_EQ(0, ::pipe(fds));
    child_ = ::fork();
    if (child_ == 0) {
      ::close(fds[0]);
      auto seg = Segment::Open(stream_, "");
      if (!seg.ok()) ::_exit(1);
      auto p = Producer::Attach(seg->get(), "doomed", restartable, hold);
      if (!p.ok()) ::_exit(2);
      g_claim_pipe = fds[1];
      if (mid_body) {
        testing::SetMidBodyHook(&TellClaimAndHang);
      } else if (before_claimant) {
        testing::SetPauseBeforeClaimantHook(&TellClaimAndHang);
      } else {
        testing::SetPauseAfterClaimHook(&TellClaimAndHang);
      }
      std::uint64_t id;
      (void)(*p)->Publish(Meta(), body, kSecond, &id);
      ::_exit(4);
    }
    ::close(fds[1]);
    std::uint64_t claimed = ~0ull;
    EXPECT_EQ(static_cast<ssize_t>(sizeof(claimed)), ::read(fds[0], &claimed, sizeof(claimed)));
    ::close(fds[0]);
    return claimed;
  }
  void Kill() {
    ::kill(child_, SIGKILL);
    int status = 0;
    EXPECT_EQ(child_, ::waitpid(child_, &status, 0));
    child_ = -1;
  }
  std::unique_ptr<Producer> Restarted(bool hold = false) {
    std::unique_ptr<Producer> p;
    EXPECT_TRUE(
        ::evbus::testutil::AssignTo(&p, Producer::Attach(seg_.get(), "restarted", true, hold))
            .ok());
    return p;
  }
  static RecordMeta Meta() {
    RecordMeta m;
    m.timestamp_ns = 1234;
    m.cause = 7;
    return m;
  }
  // Reads for `ms`; true if nothing (no record, no abandoned id) came.
  // Kills the claimer of `id`; readers get nothing for `quiet_ms` (the dead
  // claim is not abandoned); a restart that holds its claims finishes it
  // with `body`, and the reader then gets exactly that record.
  void KillThenHeldRestartFinishes(Subscriber* sub, std::uint64_t id, const std::string& body,
                                   int quiet_ms) {
    Kill();
    EXPECT_TRUE(NothingFor(sub, quiet_ms)) << "the dead claim was abandoned";
    Status st = Restarted(/*hold=*/true)->TakeOverClaim(id, Meta(), body);
    ASSERT_TRUE(st.ok()) << st.ToString();
    Record r;
    ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
    EXPECT_EQ(id, r.id);
    EXPECT_EQ(body, std::string(r.body));
  }

  // A claimer (killed before or after its claimant store) reserved 100
  // bytes; its restart brings 200: the id is abandoned, and readers see it so.
  void ExpectALargerRecordIsAbandoned(bool before_claimant) {
    Create(1 << 16, 64, 1024);
    auto sub = NewSubscriber(Opts("reader"));
    ASSERT_EQ(0u, ForkClaimer(/*restartable=*/true, BodyFor(0, 100), before_claimant));
    Kill();
    Status st = Restarted()->TakeOverClaim(0, Meta(), BodyFor(0, 200));
    EXPECT_EQ(Status::Code::kUnavailable, st.code()) << st.ToString();
    EXPECT_NE(st.message().find("does not fit"), std::string::npos) << st.message();
    Record r;
    EXPECT_EQ(ReadStatus::kAbandoned, sub->Read(&r, kSecond));
  }

  // A live claimer (paused before or after its claimant store) is not taken
  // over (kBusy, naming it live); once it is killed, it is.
  void ExpectBusyWhileTheClaimerLives(bool before_claimant) {
    Create(1 << 16, 64, 1024);
    ASSERT_EQ(0u, ForkClaimer(/*restartable=*/true, "body", before_claimant));
    auto restarted = Restarted();
    Status st = restarted->TakeOverClaim(0, Meta(), "body");
    EXPECT_EQ(Status::Code::kBusy, st.code()) << st.ToString();
    EXPECT_NE(st.message().find("live"), std::string::npos) << st.message();
    Kill();
    st = restarted->TakeOverClaim(0, Meta(), "body");
    EXPECT_TRUE(st.ok()) << st.ToString();
  }

  static bool NothingFor(Subscriber* sub, int ms) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    Record r;
    while (std::chrono::steady_clock::now() < until) {
      if (sub->Read(&r, 10'000'000) != ReadStatus::kEmpty) return false;
    }
    return true;
  }
  pid_t child_ = -1;
};

TEST_F(TakeOverTest, DeadRestartableClaimWaitsAndIsFinishedWithTheSameRecord) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("reader"));
  auto first = NewProducer();
  EXPECT_EQ(0u, MustPublish(first.get(), "zero"));
  const std::string body = BodyFor(1, 300);
  ASSERT_EQ(1u, ForkClaimer(/*restartable=*/true, body));
  Kill();
  Record r;
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
  // An ordinary dead claim is abandoned within 5 ms; this one waits.
  EXPECT_TRUE(NothingFor(sub.get(), 300)) << "a dead restartable claim was abandoned early";
  auto restarted = Restarted();
  Status st = restarted->TakeOverClaim(1, Meta(), body);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
  EXPECT_EQ(1u, r.id);
  EXPECT_EQ(body, std::string(r.body));
  EXPECT_EQ(1234, r.meta.timestamp_ns);
  EXPECT_EQ(7, r.meta.cause);
  EXPECT_EQ(2u, MustPublish(restarted.get(), "two"));
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
  EXPECT_EQ(2u, r.id);
  EXPECT_TRUE(restarted->TakeOverClaim(2, Meta(), "two").ok()) << "a committed id stays as it is";
}

// Killed between its claim CAS and its claimant store, the claimer leaves
// only its intent (INTENT|X in its slot, with the reservation's start). The
// entry reused from the first lap still names id 0's producer, not X's.
TEST_F(TakeOverTest, ClaimerKilledBeforeItsClaimantStoreIsFinishedByItsRestart) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("reader"));
  auto first = NewProducer();
  Record r;
  for (std::uint64_t i = 0; i < 64; ++i) {
    ASSERT_EQ(i, MustPublish(first.get(), BodyFor(i, 100)));
    ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
  }
  const std::string body = BodyFor(64, 300);
  ASSERT_EQ(64u, ForkClaimer(/*restartable=*/true, body, /*before_claimant=*/true));
  Kill();
  // An ordinary producer attaching now must not take the dead slot's intent.
  auto bystander = NewProducer();
  EXPECT_TRUE(NothingFor(sub.get(), 300)) << "a claim killed before its claimant store was "
                                             "abandoned early";
  auto restarted = Restarted();
  EXPECT_TRUE(NothingFor(sub.get(), 50)) << "the restart's attach dropped the intent";
  Status st = restarted->TakeOverClaim(64, Meta(), body);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
  EXPECT_EQ(64u, r.id);
  EXPECT_EQ(body, std::string(r.body));
  EXPECT_EQ(1234, r.meta.timestamp_ns);
  EXPECT_EQ(65u, MustPublish(restarted.get(), "next"));
  EXPECT_EQ(66u, MustPublish(bystander.get(), "after"));
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
  EXPECT_EQ(65u, r.id);
  ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
  EXPECT_EQ(66u, r.id);
}

TEST_F(TakeOverTest, IntentReservationThatDoesNotFitIsAbandoned) {
  ExpectALargerRecordIsAbandoned(/*before_claimant=*/true);
}

TEST_F(TakeOverTest, LiveClaimerBeforeItsClaimantStoreIsNotTakenOver) {
  ExpectBusyWhileTheClaimerLives(/*before_claimant=*/true);
}

TEST_F(TakeOverTest, OrdinaryDeadClaimIsStillAbandonedAtOnce) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("reader"));
  ASSERT_EQ(0u, ForkClaimer(/*restartable=*/false, "body"));
  Kill();
  Record r;
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(ReadStatus::kAbandoned, sub->Read(&r, 5 * kSecond));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  Status st = Restarted()->TakeOverClaim(0, Meta(), "body");
  EXPECT_EQ(Status::Code::kUnavailable, st.code()) << st.ToString();
}

TEST_F(TakeOverTest, LiveClaimantIsNotTakenOver) {
  ExpectBusyWhileTheClaimerLives(/*before_claimant=*/false);
}

TEST_F(TakeOverTest, RecordThatDoesNotFitTheReservationIsAbandoned) {
  ExpectALargerRecordIsAbandoned(/*before_claimant=*/false);
}

TEST_F(TakeOverTest, RestartAfterTheAbandonTimeoutFindsTheIdAbandoned) {
  Create(1 << 16, 64, 1024, /*abandon_timeout_ns=*/50'000'000);
  auto sub = NewSubscriber(Opts("reader"));
  ASSERT_EQ(0u, ForkClaimer(/*restartable=*/true, "body"));
  Kill();
  Record r;
  ASSERT_EQ(ReadStatus::kAbandoned, sub->Read(&r, 5 * kSecond));
  Status st = Restarted()->TakeOverClaim(0, Meta(), "body");
  EXPECT_EQ(Status::Code::kUnavailable, st.code()) << st.ToString();
  EXPECT_NE(st.message().find("abandon timeout"), std::string::npos) << st.message();
}

// A producer that holds its claims (bridge in): no abandon timeout applies
// to them, so a restart later than the timeout still finishes the claim,
// wherever the claimer was killed.
TEST_F(TakeOverTest, HeldClaimWaitsPastTheTimeoutForItsRestart) {
  Create(1 << 16, 64, 1024, /*abandon_timeout_ns=*/50'000'000);
  auto sub = NewSubscriber(Opts("reader"));
  std::uint64_t id = 0;
  for (const bool before_claimant : {true, false}) {
    SCOPED_TRACE(before_claimant ? "killed before its claimant store" : "killed after it");
    const std::string body = BodyFor(id, 200);
    ASSERT_EQ(id, ForkClaimer(/*restartable=*/true, body, before_claimant, /*hold=*/true));
    // 300 ms: six times the abandon timeout.
    KillThenHeldRestartFinishes(sub.get(), id, body, 300);
    ASSERT_FALSE(HasFatalFailure());
    ++id;
  }
}

TEST_F(TakeOverTest, HeldRecordThatDoesNotFitIsStillAbandonedByItsRestart) {
  Create(1 << 16, 64, 1024, /*abandon_timeout_ns=*/50'000'000);
  auto sub = NewSubscriber(Opts("reader"));
  ASSERT_EQ(0u, ForkClaimer(/*restartable=*/true, BodyFor(0, 100), true, /*hold=*/true));
  Kill();
  Status st = Restarted(/*hold=*/true)->TakeOverClaim(0, Meta(), BodyFor(0, 200));
  EXPECT_EQ(Status::Code::kUnavailable, st.code()) << st.ToString();
  Record r;
  EXPECT_EQ(ReadStatus::kAbandoned, sub->Read(&r, kSecond));
}

// A big event (body file, docs/shm_layout.md section 13): the restart
// writes the body file again, whether the claimer died before it created it
// or with it half written, and commits the reference.
TEST_F(TakeOverTest, BigEventClaimIsFinishedWithItsBodyFileWrittenAgain) {
  Create(1 << 16, 64, 1024);
  auto sub = NewSubscriber(Opts("reader"));
  std::uint64_t id = 0;
  for (const bool mid_body : {false, true}) {
    SCOPED_TRACE(mid_body ? "killed with its body file half written" : "killed before it");
    const std::string body = BodyFor(id, 5000);
    ASSERT_EQ(id, ForkClaimer(/*restartable=*/true, body, false, /*hold=*/true, mid_body));
    KillThenHeldRestartFinishes(sub.get(), id, body, 100);
    ASSERT_FALSE(HasFatalFailure());
    ++id;
  }
}

TEST_F(TakeOverTest, OnlyARestartableProducerHoldsItsClaims) {
  Create(1 << 16, 64, 1024);
  auto p = Producer::Attach(seg_.get(), "p", /*restartable=*/false, /*hold_claims=*/true);
  EXPECT_EQ(Status::Code::kInvalidArgument, p.status().code());
}

TEST_F(TakeOverTest, OnlyTheLastClaimCanBeTakenOver) {
  Create(1 << 16, 64, 1024);
  auto p = NewProducer();
  EXPECT_EQ(0u, MustPublish(p.get(), "zero"));
  EXPECT_EQ(1u, MustPublish(p.get(), "one"));
  Status st = Restarted()->TakeOverClaim(0, Meta(), "zero");
  EXPECT_EQ(Status::Code::kInvalidArgument, st.code()) << st.ToString();
}

}  // namespace
}  // namespace evbus::shm
