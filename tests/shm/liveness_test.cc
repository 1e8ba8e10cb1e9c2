#include "shm/liveness.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "shm/segment.h"
#include "shm/wait.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

class LivenessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = "liveness_test_" + std::to_string(::getpid());
    SegmentOptions o;
    o.data_capacity = 1 << 16;
    o.index_slots = 64;
    o.max_record_size = 1024;
    ASSERT_TRUE(::evbus::testutil::AssignTo(&seg_, Segment::Create(stream_, "", o)).ok());
  }
  void TearDown() override {
    seg_.reset();
    (void)Segment::Remove(stream_, "");
  }
  bool WaitForState(std::uint32_t byte, LockState want) {
    std::int64_t deadline = MonotonicNanos() + 5'000'000'000;
    while (MonotonicNanos() < deadline) {
      if (ProbeLock(seg_->fd(), byte) == want) return true;
      YieldThread();
    }
    return false;
  }
  std::string stream_;
  std::unique_ptr<Segment> seg_;
};

TEST_F(LivenessTest, LockHeldInThisProcessIsSeenAsHeldThroughAnotherDescriptor) {
  EXPECT_EQ(LockState::kFree, ProbeLock(seg_->fd(), 3));
  LivenessLock lock;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&lock, LivenessLock::Acquire(seg_->shm_name(), 3)).ok());
  EXPECT_EQ(LockState::kHeld, ProbeLock(seg_->fd(), 3));
  EXPECT_EQ(LockState::kFree, ProbeLock(seg_->fd(), 4)) << "locks are per byte";
  lock.Release();
  EXPECT_EQ(LockState::kFree, ProbeLock(seg_->fd(), 3));
}

TEST_F(LivenessTest, SecondAcquireOfAHeldByteIsBusy) {
  LivenessLock a, b;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&a, LivenessLock::Acquire(seg_->shm_name(), 9)).ok());
  Status s = ::evbus::testutil::AssignTo(&b, LivenessLock::Acquire(seg_->shm_name(), 9));
  EXPECT_EQ(Status::Code::kBusy, s.code()) << s.ToString();
  EXPECT_FALSE(b.held());
}

TEST_F(LivenessTest, KernelReleasesTheLockOfAProcessKilledWithSigkill) {
  int ready[2];
  ASSERT_EQ(0, ::pipe(ready));
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    LivenessLock lock;
    if (!::evbus::testutil::AssignTo(&lock, LivenessLock::Acquire(seg_->shm_name(), 5)).ok())
      ::_exit(1);
    char c = 'x';
    if (::write(ready[1], &c, 1) != 1) ::_exit(2);
    while (true) ::pause();
  }
  char c;
  ASSERT_EQ(1, ::read(ready[0], &c, 1));
  EXPECT_EQ(LockState::kHeld, ProbeLock(seg_->fd(), 5));
  EXPECT_TRUE(ProcessAlive(child, ProcessStartTicks(child)));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_TRUE(WaitForState(5, LockState::kFree));
  EXPECT_FALSE(ProcessAlive(child, 0));
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST_F(LivenessTest, ProcessStartTicksDistinguishesARecycledPid) {
  std::uint64_t mine = ProcessStartTicks(::getpid());
  EXPECT_NE(0u, mine);
  EXPECT_TRUE(ProcessAlive(::getpid(), mine));
  EXPECT_FALSE(ProcessAlive(::getpid(), mine + 1)) << "same pid, other start time";
  EXPECT_FALSE(ProcessAlive(0, 0));
}

TEST_F(LivenessTest, ProbeWorksOnAReadOnlyMapping) {
  std::unique_ptr<Segment> ro;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&ro, Segment::OpenReadOnly(stream_, "")).ok());
  LivenessLock lock;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&lock, LivenessLock::Acquire(seg_->shm_name(), 1)).ok());
  EXPECT_EQ(LockState::kHeld, ProbeLock(ro->fd(), 1));
}

}  // namespace
}  // namespace evbus::shm
