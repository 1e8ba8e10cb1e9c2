// Segment::Create goes through the Env (SegmentOptions::env): a failed
// fchmod, ftruncate, mmap or close while creating gives a clear error naming
// the segment and the step, and leaves no half-made segment behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "shm/segment.h"
#include "tests/persist/fault_injection_env.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

using persist::testing::FaultInjectionEnv;
using persist::testing::FaultOp;

class SegmentEnvFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stream_ = "segment_env_fault_" + std::to_string(::getpid());
    name_ = SegmentName(stream_, "");
    options_.data_capacity = 1 << 16;
    options_.index_slots = 256;
    options_.max_record_size = 4096;
    options_.env = &env_;
  }
  void TearDown() override { (void)Segment::Remove(stream_, ""); }

  bool ObjectExists() const { return ::access(SegmentPath(name_).c_str(), F_OK) == 0; }

  // Create fails with an error naming the segment and `step`, nothing is
  // left, and the name can be created again at once.
  void ExpectCleanFailure(FaultOp op, const std::string& step) {
    env_.FailNext(op, name_);
    std::unique_ptr<Segment> seg;
    const Status s = ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", options_));
    ASSERT_FALSE(s.ok()) << "the injected failure was ignored";
    EXPECT_EQ(nullptr, seg);
    EXPECT_EQ(1, env_.injected());
    EXPECT_EQ(Status::Code::kIOError, s.code()) << s.ToString();
    EXPECT_NE(s.message().find("cannot create segment '" + name_ + "'"), std::string::npos)
        << s.ToString();
    EXPECT_NE(s.message().find(step), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("nothing was left behind"), std::string::npos) << s.ToString();
    EXPECT_FALSE(ObjectExists()) << "a half-made segment was left in /dev/shm";
    EXPECT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Open(stream_, "")).IsNotFound());
    const Status again = ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", options_));
    EXPECT_TRUE(again.ok()) << again.ToString();
  }

  FaultInjectionEnv env_;
  SegmentOptions options_;
  std::string stream_, name_;
};

TEST_F(SegmentEnvFaultTest, FailedFchmodGivesAClearErrorAndLeavesNoSegment) {
  ExpectCleanFailure(FaultOp::kSetMode, "cannot set the mode of");
}

TEST_F(SegmentEnvFaultTest, FailedFtruncateGivesAClearErrorAndLeavesNoSegment) {
  ExpectCleanFailure(FaultOp::kResize, "cannot resize");
}

TEST_F(SegmentEnvFaultTest, FailedMapGivesAClearErrorAndLeavesNoSegment) {
  ExpectCleanFailure(FaultOp::kMap, "cannot map");
}

TEST_F(SegmentEnvFaultTest, FailedCloseGivesAClearErrorAndLeavesNoSegment) {
  ExpectCleanFailure(FaultOp::kClose, "cannot close");
}

TEST_F(SegmentEnvFaultTest, AFailedCleanUpSaysWhatToRemoveAndAttachRefusesTheLeftover) {
  env_.FailNext(FaultOp::kResize, name_);
  env_.FailNext(FaultOp::kRemove, name_);
  std::unique_ptr<Segment> seg;
  const Status s = ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", options_));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("cannot resize"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("removing the half-made object failed too"), std::string::npos)
      << s.ToString();
  EXPECT_NE(s.message().find("evbus destroy"), std::string::npos) << s.ToString();
  ASSERT_TRUE(ObjectExists());
  // What was left (size 0, no creator any more) is refused, never mapped.
  const Status open = ::evbus::testutil::AssignTo(&seg, Segment::Open(stream_, ""));
  EXPECT_TRUE(open.IsCorruption()) << open.ToString();
  EXPECT_NE(open.message().find("its creator stopped before sizing it"), std::string::npos)
      << open.ToString();
  EXPECT_TRUE(Segment::Remove(stream_, "").ok());
}

TEST_F(SegmentEnvFaultTest, CreatedSegmentHasExactlyTheModeAskedForThroughTheEnv) {
  const mode_t old_umask = ::umask(0077);
  options_.mode = 0660;
  std::unique_ptr<Segment> seg;
  const Status s = ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", options_));
  ::umask(old_umask);
  ASSERT_TRUE(s.ok()) << s.ToString();
  struct stat st {};
  ASSERT_EQ(0, ::stat(SegmentPath(name_).c_str(), &st));
  EXPECT_EQ(0660u, st.st_mode & 0777);
  EXPECT_EQ(0, env_.injected());
}

}  // namespace
}  // namespace evbus::shm
