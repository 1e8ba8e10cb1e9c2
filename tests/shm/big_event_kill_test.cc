// Big events in real processes (docs/shm_layout.md, section 13): a producer
// killed (SIGKILL) half-way through writing a body file leaves its id
// abandoned and reported with its pid, never half delivered, and its orphaned
// file is reclaimed; a reader lapped while big events flow gets gaps, never a
// torn or foreign body. EVBUS_BIG_KILL_ROUNDS sets the kill rounds (default
// 12; `make test-big-events-soak` runs many).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "shm/atomic128.h"
#include "shm/body_file.h"
#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

constexpr std::size_t kMiB = 1u << 20;
constexpr std::uint32_t kSlots = 16;

int g_body_pipe = -1;

// The child's mid-body hook: tell the parent the id, hang until killed.
void SignalHalfWrittenAndHang(std::uint64_t id) {
  if (::write(g_body_pipe, &id, sizeof(id)) != sizeof(id)) ::_exit(3);
  while (true) ::pause();
}

int Rounds() {
  const char* env = std::getenv("EVBUS_BIG_KILL_ROUNDS");
  return env != nullptr && std::atoi(env) > 0 ? std::atoi(env) : 12;
}

// "<seq>:<size>:" then filler: a body that says what it must be.
std::string TaggedBody(std::uint64_t seq, std::size_t size) {
  std::string body = BodyFor(seq, size);
  const std::string head = std::to_string(seq) + ":" + std::to_string(size) + ":";
  body.replace(0, head.size(), head);
  return body;
}

bool IsIntact(std::string_view body, std::uint64_t* seq) {
  const std::size_t a = body.find(':');
  const std::size_t b = body.find(':', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos) return false;
  *seq = std::stoull(std::string(body.substr(0, a)));
  const std::size_t size = std::stoull(std::string(body.substr(a + 1, b - a - 1)));
  return size == body.size() && body == TaggedBody(*seq, size);
}

class BigEventKillTest : public RingTest {
 protected:
  struct LagCounts {
    std::uint64_t next_id = 0, records = 0, gaps = 0;
  };
  // Reads ids 0..events-1 as one writer's tagged bodies, staying about two
  // laps behind it: every id must be an intact body of its own or a gap.
  LagCounts ReadLagging(Subscriber* sub, std::uint64_t events) {
    LagCounts c;
    std::uint64_t last_seq = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (c.next_id < events && std::chrono::steady_clock::now() < deadline && !HasFailure()) {
      Record r;
      const ReadStatus st = sub->Read(&r, kSecond);
      if (st == ReadStatus::kEmpty) continue;
      if (st == ReadStatus::kGap) {
        EXPECT_EQ(c.next_id, r.gap_first);
        c.next_id = r.gap_last + 1;
        ++c.gaps;
        continue;
      }
      EXPECT_EQ(ReadStatus::kRecord, st) << "id " << c.next_id;
      EXPECT_EQ(c.next_id, r.id);
      std::uint64_t seq = 0;
      EXPECT_TRUE(IsIntact(r.body, &seq)) << "torn or foreign body under id " << r.id;
      EXPECT_EQ(r.id, seq) << "one writer: id == seq";
      EXPECT_TRUE(c.records == 0 || seq > last_seq);
      last_seq = seq;
      ++c.next_id;
      ++c.records;
      // Lag on purpose: wait (bounded) until the writer is two laps ahead.
      const auto lag_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      while (LoadHalfAcquire(&seg_->claim()->next_id) < r.id + 2 * kSlots &&
             std::chrono::steady_clock::now() < lag_until) {
        ::sched_yield();
      }
    }
    return c;
  }
  // Forks a producer that dies with `id`'s body file half written.
  std::uint64_t KillMidBody(pid_t* pid) {
    int fds[2];
    EXPECT_EQ(0, ::pipe(fds));
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(fds[0]);
      auto seg = Segment::Open(stream_, "");
      if (!seg.ok()) ::_exit(1);
      auto p = Producer::Attach(seg->get(), "doomed");
      if (!p.ok()) ::_exit(2);
      g_body_pipe = fds[1];
      testing::SetMidBodyHook(&SignalHalfWrittenAndHang);
      std::uint64_t id;
      (void)(*p)->Publish({}, TaggedBody(999, 2 * kMiB), kSecond, &id);
      ::_exit(4);
    }
    ::close(fds[1]);
    std::uint64_t claimed = ~0ull;
    EXPECT_EQ(static_cast<ssize_t>(sizeof(claimed)), ::read(fds[0], &claimed, sizeof(claimed)));
    ::close(fds[0]);
    ::kill(child, SIGKILL);
    int status = 0;
    EXPECT_EQ(child, ::waitpid(child, &status, 0));
    EXPECT_TRUE(WIFSIGNALED(status));
    *pid = child;
    return claimed;
  }
};

TEST_F(BigEventKillTest, ProducerKilledMidBodyLeavesItsIdAbandonedNeverHalfDelivered) {
  Create(1 << 20, kSlots, 4096, /*abandon_timeout_ns=*/kSecond);
  auto p = NewProducer();
  auto durable = NewSubscriber(Opts("persister", /*durable=*/true));
  auto plain = NewSubscriber(Opts("tail"));
  std::uint64_t next = 0;
  for (int round = 0; round < Rounds() && !HasFailure(); ++round) {
    pid_t pid = 0;
    const std::uint64_t killed = KillMidBody(&pid);
    ASSERT_EQ(next, killed);
    const std::string after = TaggedBody(static_cast<std::uint64_t>(round), 2 * kMiB);
    EXPECT_EQ(killed + 1, MustPublish(p.get(), after));
    for (Subscriber* sub : {durable.get(), plain.get()}) {
      Record r;
      ASSERT_EQ(ReadStatus::kAbandoned, sub->Read(&r, 3 * kSecond)) << "round " << round;
      EXPECT_EQ(killed, r.id);
      EXPECT_EQ(pid, r.abandoned_by_pid);
      ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond));
      EXPECT_EQ(killed + 1, r.id);
      EXPECT_TRUE(r.body == after);
    }
    next = killed + 2;
  }
  // The orphans are below every cursor: once their references leave the
  // index, the next big publish reclaims them all.
  std::string small = "s";
  for (std::uint32_t i = 0; i < kSlots; ++i) next = MustPublish(p.get(), small) + 1;
  Record r;
  for (Subscriber* sub : {durable.get(), plain.get()}) {
    while (sub->Read(&r, 0) != ReadStatus::kEmpty) {
    }
  }
  MustPublish(p.get(), TaggedBody(next, 2 * kMiB));
  EXPECT_EQ(1u, ListBodies(*seg_).files) << "orphaned half-written bodies were not reclaimed";
}

TEST_F(BigEventKillTest, LappedReaderDuringBigEventsGetsGapsNeverTornBodies) {
  Create(1 << 20, kSlots, 4096);
  auto sub = NewSubscriber(Opts("lagging"));
  constexpr std::uint64_t kEvents = 120;
  const pid_t child = ::fork();
  if (child == 0) {
    auto seg = Segment::Open(stream_, "");
    if (!seg.ok()) ::_exit(1);
    auto p = Producer::Attach(seg->get(), "writer");
    if (!p.ok()) ::_exit(2);
    testing::SetBodyBudget(6 * kMiB);
    for (std::uint64_t seq = 0; seq < kEvents; ++seq) {
      std::uint64_t id;
      const std::size_t size = seq % 2 == 0 ? 1024 : kMiB + seq * 4096;
      if (!(*p)->Publish({}, TaggedBody(seq, size), 5 * kSecond, &id).ok()) ::_exit(3);
    }
    ::_exit(0);
  }
  const LagCounts c = ReadLagging(sub.get(), kEvents);
  int status = 0;
  ASSERT_EQ(child, ::waitpid(child, &status, 0));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer failed";
  EXPECT_EQ(kEvents, c.next_id) << "every id accounted for as a record or a gap";
  EXPECT_GT(c.records, 0u);
  EXPECT_GT(c.gaps, 0u) << "the reader was never lapped: the test did not test anything";
}

}  // namespace
}  // namespace evbus::shm
