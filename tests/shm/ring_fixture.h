// RingTest: a fixture that creates a private segment per test and removes
// it afterwards, with helpers to attach producers and subscribers.
#ifndef EVBUS_TESTS_SHM_RING_FIXTURE_H_
#define EVBUS_TESTS_SHM_RING_FIXTURE_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "shm/producer.h"
#include "shm/stats.h"
#include "shm/subscriber.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {

inline constexpr std::int64_t kSecond = 1'000'000'000;

inline std::string BodyFor(std::uint64_t tag, std::size_t size) {
  std::string body = std::to_string(tag) + ":";
  while (body.size() < size) body += static_cast<char>('a' + (body.size() + tag) % 26);
  body.resize(size);
  return body;
}

// What KillProducerMidRecord's child hands its pause hook.
inline int g_mid_record_pipe = -1;
inline bool g_mid_record_forget_claimant = false;
inline Segment* g_mid_record_segment = nullptr;

// The child's pause hook: optionally lose the claimant store (as if the
// process died between its claim and that store), tell the parent the
// claimed id, hang until killed.
inline void SignalClaimAndHang(std::uint64_t id) {
  if (g_mid_record_forget_claimant) g_mid_record_segment->index_entry(id)->claimant.store(0);
  if (::write(g_mid_record_pipe, &id, sizeof(id)) != sizeof(id)) ::_exit(3);
  while (true) ::pause();
}

class RingTest : public ::testing::Test {
 protected:
  void SetUp() override { stream_ = "ring_test_" + std::to_string(::getpid()); }
  void TearDown() override {
    testing::SetPauseAfterClaimHook(nullptr);
    seg_.reset();
    (void)Segment::Remove(stream_, "");
  }
  void Create(std::uint64_t capacity, std::uint32_t slots, std::uint32_t max_record,
              std::int64_t abandon_timeout_ns = 2 * kSecond) {
    SegmentOptions o;
    o.data_capacity = capacity;
    o.index_slots = slots;
    o.max_record_size = max_record;
    o.abandon_timeout_ns = abandon_timeout_ns;
    ASSERT_TRUE(::evbus::testutil::AssignTo(&seg_, Segment::Create(stream_, "", o)).ok());
  }
  // Forks a producer that claims one id and is killed (SIGKILL) before
  // committing it; returns the id, and the dead producer's pid in *pid.
  std::uint64_t KillProducerMidRecord(pid_t* pid = nullptr, bool forget_claimant = false) {
    int fds[2];
    EXPECT_EQ(0, ::pipe(fds));
    const pid_t child = ::fork();
    if (child == 0) {
      ::close(fds[0]);
      auto seg = Segment::Open(stream_, "");
      if (!seg.ok()) ::_exit(1);
      auto p = Producer::Attach(seg->get(), "doomed");
      if (!p.ok()) ::_exit(2);
      g_mid_record_pipe = fds[1];
      g_mid_record_forget_claimant = forget_claimant;
      g_mid_record_segment = seg->get();
      testing::SetPauseAfterClaimHook(&SignalClaimAndHang);
      std::uint64_t id;
      (void)(*p)->TryPublish({}, "never committed", &id);
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
    if (pid != nullptr) *pid = child;
    return claimed;
  }
  std::unique_ptr<Producer> NewProducer(const std::string& name = "p") {
    std::unique_ptr<Producer> p;
    Status s = ::evbus::testutil::AssignTo(&p, Producer::Attach(seg_.get(), name));
    EXPECT_TRUE(s.ok()) << s.ToString();
    return p;
  }
  std::unique_ptr<Subscriber> NewSubscriber(SubscriberOptions o) {
    std::unique_ptr<Subscriber> s;
    Status st = ::evbus::testutil::AssignTo(&s, Subscriber::Attach(seg_.get(), o));
    EXPECT_TRUE(st.ok()) << st.ToString();
    return s;
  }
  static SubscriberOptions Opts(std::string name, bool durable = false,
                                StartAt start = StartAt::kOldest, std::uint64_t id = 0) {
    SubscriberOptions o;
    o.name = std::move(name);
    o.durable = durable;
    o.start = start;
    o.start_id = id;
    return o;
  }
  std::uint64_t MustPublish(Producer* p, std::string_view body, RecordMeta meta = {}) {
    std::uint64_t id = ~0ull;
    Status s = p->Publish(meta, body, 5 * kSecond, &id);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return id;
  }
  std::string stream_;
  std::unique_ptr<Segment> seg_;
};

}  // namespace evbus::shm

#endif  // EVBUS_TESTS_SHM_RING_FIXTURE_H_
