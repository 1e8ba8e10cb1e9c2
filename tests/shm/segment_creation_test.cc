// Attaching while the creator is still initialising the segment: the
// attacher waits for it (bounded) or fails with a clear error, and never
// reads a half-written header. A real creator process paused by the creation
// hook at each stage (tests/procs/segment_creator_proc), resumed or killed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "shm/segment.h"
#include "shm/wait.h"
#include "tests/shm/child_process.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

using testproc::ChildProcess;
using testproc::HelperPath;
using testproc::ScopedSegmentName;
using namespace std::chrono_literals;

// Whether thread `tid` of this process is blocked in a sleeping system call
// (futex or nanosleep), from /proc/self/task/<tid>/syscall.
bool SleepsInASystemCall(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/syscall");
  long number = -1;
  if (!(in >> number)) return false;  // "running", or the thread is gone
  return number == SYS_futex || number == SYS_clock_nanosleep
#ifdef SYS_nanosleep
         || number == SYS_nanosleep
#endif
      ;
}

class SegmentCreationTest : public ::testing::TestWithParam<const char*> {
 protected:
  // Starts the creator and waits until it is paused at the test's stage.
  void StartPausedCreator() {
    ASSERT_TRUE(creator_.Start({HelperPath("segment_creator_proc"), name_.stream, GetParam()}));
    std::string line;
    ASSERT_TRUE(creator_.ReadLine(&line, 10s)) << "the creator did not start";
    ASSERT_EQ(std::string("paused ") + GetParam(), line);
  }
  // The header the creator was asked for (segment_creator_proc's options).
  static void ExpectFinishedHeader(const Segment& seg) {
    const SegmentHeader& h = seg.header();
    EXPECT_EQ(h.ready.load(), kReadyValue);
    EXPECT_EQ(h.data_capacity, 1u << 16);
    EXPECT_EQ(h.index_slots, 256u);
    EXPECT_EQ(h.max_record_size, 4096u);
    EXPECT_EQ(seg.size_bytes(), h.total_size);
  }

  ScopedSegmentName name_{"segment_creation_test_" + std::to_string(::getpid())};
  ChildProcess creator_;
};

TEST_P(SegmentCreationTest, AttachWaitsForAPausedCreatorThenSaysItIsStillBeingCreated) {
  ASSERT_NO_FATAL_FAILURE(StartPausedCreator());
  for (bool read_only : {false, true}) {
    std::unique_ptr<Segment> seg;
    const std::int64_t start = MonotonicNanos();
    const Status s =
        read_only ? ::evbus::testutil::AssignTo(&seg, Segment::OpenReadOnly(name_.stream, ""))
                  : ::evbus::testutil::AssignTo(&seg, Segment::Open(name_.stream, ""));
    const std::int64_t waited = MonotonicNanos() - start;
    EXPECT_EQ(Status::Code::kUnavailable, s.code()) << s.ToString();
    EXPECT_NE(s.message().find("is still being created"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("retry"), std::string::npos) << s.ToString();
    EXPECT_GE(waited, kAttachWaitNs) << "it did not wait for the creator";
    EXPECT_EQ(nullptr, seg);
  }
}

TEST_P(SegmentCreationTest, AttachDuringCreationGetsTheFinishedHeaderOnceTheCreatorGoesOn) {
  ASSERT_NO_FATAL_FAILURE(StartPausedCreator());
  Status attached;
  std::unique_ptr<Segment> seg;
  std::atomic<pid_t> tid{0};
  std::atomic<bool> returned{false};
  std::thread attacher([&] {
    tid = static_cast<pid_t>(::syscall(SYS_gettid));
    attached = ::evbus::testutil::AssignTo(&seg, Segment::Open(name_.stream, ""));
    returned = true;
  });
  // Resume the creator only once the attacher sleeps waiting for it.
  const std::int64_t deadline = MonotonicNanos() + 10'000'000'000;
  bool waiting = false;
  while (!waiting && !returned && MonotonicNanos() < deadline) {
    waiting = tid != 0 && SleepsInASystemCall(tid);
  }
  creator_.Kill(SIGUSR1);
  attacher.join();
  EXPECT_TRUE(waiting) << "the attacher never waited for the creator: " << attached.ToString();
  ASSERT_TRUE(attached.ok()) << attached.ToString();
  ExpectFinishedHeader(*seg);
  std::string line;
  ASSERT_TRUE(creator_.ReadLine(&line, 10s));
  EXPECT_EQ("created", line);
}

TEST_P(SegmentCreationTest, ACreatorKilledMidwayLeavesASegmentThatIsRefusedClearly) {
  ASSERT_NO_FATAL_FAILURE(StartPausedCreator());
  ASSERT_TRUE(creator_.KillAndReap());
  for (bool read_only : {false, true}) {
    std::unique_ptr<Segment> seg;
    const Status s =
        read_only ? ::evbus::testutil::AssignTo(&seg, Segment::OpenReadOnly(name_.stream, ""))
                  : ::evbus::testutil::AssignTo(&seg, Segment::Open(name_.stream, ""));
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find("its creator stopped before"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("evbus destroy"), std::string::npos) << s.ToString();
    EXPECT_EQ(nullptr, seg);
  }
  bool listed = false;
  for (const SegmentInfo& info : Segment::List()) {
    if (info.shm_name != SegmentName(name_.stream, "")) continue;
    listed = true;
    EXPECT_FALSE(info.valid);
    EXPECT_NE(info.error.find("its creator stopped before"), std::string::npos) << info.error;
  }
  EXPECT_TRUE(listed);
  EXPECT_TRUE(Segment::Remove(name_.stream, "").ok());
  std::unique_ptr<Segment> fresh;
  SegmentOptions o;
  o.data_capacity = 1 << 16;
  o.index_slots = 256;
  o.max_record_size = 4096;
  EXPECT_TRUE(::evbus::testutil::AssignTo(&fresh, Segment::Create(name_.stream, "", o)).ok());
}

INSTANTIATE_TEST_SUITE_P(Stages, SegmentCreationTest,
                         ::testing::Values("created", "sized", "header"));

}  // namespace
}  // namespace evbus::shm
