// An EventStream that creates its segment does it through the Env of its
// options: a failed fchmod or ftruncate of the segment reaches Open as a
// clear error naming the segment and the step, and no half-made segment
// stays in /dev/shm; the next Open creates it. The lock every Open takes
// (<conversation>/evbus/SEGMENT.lock) goes through the same Env.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "shm/segment.h"
#include "stream/event_stream.h"
#include "tests/persist/fault_injection_env.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

using persist::testing::FaultInjectionEnv;
using persist::testing::FaultOp;
using testing::UniqueSession;

class StreamSegmentFaultTest : public ::testing::TestWithParam<FaultOp> {
 protected:
  void TearDown() override { testing::DestroyStream(sid_); }

  EventStreamOptions Options() {
    EventStreamOptions options;
    options.store_root = root_.path();
    options.env = &env_;
    options.log = [](const std::string&) {};
    return options;
  }

  testing::TempDir root_;
  const std::string sid_ = UniqueSession("segfault");
  FaultInjectionEnv env_;
};

TEST_P(StreamSegmentFaultTest, FailedSegmentCreationIsReportedAndLeavesNoSegment) {
  const std::string segment = shm::SegmentName(sid_, "");
  env_.FailNext(GetParam(), "/dev/shm/" + segment);
  auto stream = EventStream::Open(sid_, Options());
  ASSERT_FALSE(stream.ok()) << "the injected failure was ignored";
  EXPECT_EQ(1, env_.injected());
  const std::string message = stream.status().message();
  EXPECT_NE(message.find("cannot create segment '" + segment + "'"), std::string::npos) << message;
  EXPECT_NE(message.find("nothing was left behind"), std::string::npos) << message;
  EXPECT_NE(::access(shm::SegmentPath(segment).c_str(), F_OK), 0) << "a half-made segment stayed";
  auto again = EventStream::Open(sid_, Options());
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

// Before SEGMENT.lock went through the Env, the injected failure was never
// seen (injected() stayed 0) and Open succeeded.
TEST(StreamSegmentLockFaultTest, FailedSegmentLockIsReportedAndNothingIsCreated) {
  testing::TempDir root;
  const std::string sid = UniqueSession("seglock");
  FaultInjectionEnv env;
  EventStreamOptions options;
  options.store_root = root.path();
  options.env = &env;
  options.log = [](const std::string&) {};
  env.FailNext(FaultOp::kLock, "SEGMENT.lock");
  auto stream = EventStream::Open(sid, options);
  ASSERT_FALSE(stream.ok()) << "the injected lock failure was ignored";
  EXPECT_EQ(1, env.injected());
  EXPECT_NE(stream.status().message().find("SEGMENT.lock"), std::string::npos)
      << stream.status().ToString();
  EXPECT_NE(::access(shm::SegmentPath(shm::SegmentName(sid, "")).c_str(), F_OK), 0)
      << "a segment was created without the lock";
  auto again = EventStream::Open(sid, options);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
  testing::DestroyStream(sid);
}

INSTANTIATE_TEST_SUITE_P(Steps, StreamSegmentFaultTest,
                         ::testing::Values(FaultOp::kSetMode, FaultOp::kResize));

}  // namespace
}  // namespace evbus
