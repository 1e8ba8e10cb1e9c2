#include "shm/segment.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <random>

#include "shm/producer.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

SegmentOptions SmallOptions() {
  SegmentOptions o;
  o.data_capacity = 1 << 16;
  o.index_slots = 256;
  o.max_record_size = 4096;
  return o;
}

class SegmentTest : public ::testing::Test {
 protected:
  void SetUp() override { stream_ = "segment_test_" + std::to_string(::getpid()); }
  void TearDown() override {
    (void)Segment::Remove(stream_, "");
    (void)Segment::Remove(stream_, "alice");
  }
  // Writes raw bytes into the object as another program (or damage) would.
  void PatchObject(const std::function<void(char*, std::size_t)>& patch) {
    int fd = ::shm_open(("/" + SegmentName(stream_, "")).c_str(), O_RDWR, 0);
    ASSERT_GE(fd, 0);
    struct stat st;
    ASSERT_EQ(0, ::fstat(fd, &st));
    auto size = static_cast<std::size_t>(st.st_size);
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ASSERT_NE(MAP_FAILED, p);
    patch(static_cast<char*>(p), size);
    ::munmap(p, size);
    ::close(fd);
  }
  void WriteRawObject(std::size_t size, const std::function<void(char*)>& fill) {
    int fd = ::shm_open(("/" + SegmentName(stream_, "")).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(0, ::ftruncate(fd, static_cast<off_t>(size)));
    if (size > 0) {
      void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      ASSERT_NE(MAP_FAILED, p);
      fill(static_cast<char*>(p));
      ::munmap(p, size);
    }
    ::close(fd);
  }
  Status OpenStatus() {
    std::unique_ptr<Segment> seg;
    Status s = ::evbus::testutil::AssignTo(&seg, Segment::Open(stream_, ""));
    EXPECT_EQ(s.ok(), seg != nullptr);
    return s;
  }
  std::string stream_;
};

TEST_F(SegmentTest, CreateOpenRemoveRoundTrip) {
  std::unique_ptr<Segment> a, b;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&a, Segment::Create(stream_, "", SmallOptions())).ok());
  ASSERT_TRUE(::evbus::testutil::AssignTo(&b, Segment::Open(stream_, "")).ok());
  EXPECT_EQ(1u << 16, b->header().data_capacity);
  EXPECT_EQ(256u, b->header().index_slots);
  EXPECT_EQ(stream_, std::string(b->header().stream));
  EXPECT_EQ(::getpid(), b->header().creator_pid);
  EXPECT_FALSE(b->read_only());
  EXPECT_TRUE(Segment::Remove(stream_, "").ok());
  EXPECT_TRUE(::evbus::testutil::AssignTo(&b, Segment::Open(stream_, "")).IsNotFound());
  EXPECT_TRUE(Segment::Remove(stream_, "").IsNotFound());
}

TEST_F(SegmentTest, UserAndStreamNamesWithDotsNeverShareAnObject) {
  // "a" + "b.c", "a.b" + "c" and the user-less "a.b.c" are three streams.
  EXPECT_NE(SegmentName("b.c", "a"), SegmentName("c", "a.b"));
  EXPECT_NE(SegmentName("b.c", "a"), SegmentName("a.b.c", ""));
  EXPECT_NE(SegmentName("b", "a"), SegmentName("a.b", ""));
}

TEST_F(SegmentTest, SegmentNameIncludesUserWhenGiven) {
  EXPECT_EQ("evbus.s1", SegmentName("s1", ""));
  EXPECT_EQ("evbus.alice:s1", SegmentName("s1", "alice"));
  std::unique_ptr<Segment> seg;
  ASSERT_TRUE(
      ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "alice", SmallOptions())).ok());
  EXPECT_EQ("evbus.alice:" + stream_, seg->shm_name());
  EXPECT_EQ("alice", std::string(seg->header().user));
}

TEST_F(SegmentTest, CreateRefusesAnExistingName) {
  std::unique_ptr<Segment> a, b;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&a, Segment::Create(stream_, "", SmallOptions())).ok());
  Status s = ::evbus::testutil::AssignTo(&b, Segment::Create(stream_, "", SmallOptions()));
  EXPECT_EQ(Status::Code::kAlreadyExists, s.code()) << s.ToString();
}

TEST_F(SegmentTest, RejectsInvalidNamesAndOptions) {
  std::unique_ptr<Segment> seg;
  EXPECT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Create("", "", SmallOptions()))
                  .IsInvalidArgument());
  EXPECT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Create("a/b", "", SmallOptions()))
                  .IsInvalidArgument());
  EXPECT_TRUE(
      ::evbus::testutil::AssignTo(&seg, Segment::Create(std::string(65, 'a'), "", SmallOptions()))
          .IsInvalidArgument());
  EXPECT_TRUE(
      ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "bob smith", SmallOptions()))
          .IsInvalidArgument());
  SegmentOptions o = SmallOptions();
  o.data_capacity = 3 << 12;
  EXPECT_TRUE(
      ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", o)).IsInvalidArgument());
  o = SmallOptions();
  o.index_slots = 100;
  EXPECT_TRUE(
      ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", o)).IsInvalidArgument());
  o = SmallOptions();
  o.max_record_size = static_cast<std::uint32_t>(o.data_capacity);
  Status s = ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", o));
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(std::string::npos, s.message().find("max_record_size")) << s.message();
  EXPECT_EQ(nullptr, seg);
}

TEST_F(SegmentTest, CreatesOwnerOnlyByDefaultAndHonoursMode) {
  std::unique_ptr<Segment> seg;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", SmallOptions())).ok());
  struct stat st;
  ASSERT_EQ(0, ::fstat(seg->fd(), &st));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  seg.reset();
  ASSERT_TRUE(Segment::Remove(stream_, "").ok());
  SegmentOptions o = SmallOptions();
  o.mode = 0640;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", o)).ok());
  ASSERT_EQ(0, ::fstat(seg->fd(), &st));
  EXPECT_EQ(0640u, st.st_mode & 0777);
}

TEST_F(SegmentTest, RefusesForeignMagic) {
  WriteRawObject(ComputeOffsets(1 << 16, 256).total,
                 [](char* p) { std::memcpy(p, "NOTEVBUS", 8); });
  Status s = OpenStatus();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("magic")) << s.message();
}

TEST_F(SegmentTest, RefusesWrongLayoutVersion) {
  std::unique_ptr<Segment> seg;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", SmallOptions())).ok());
  PatchObject([](char* p, std::size_t) {
    reinterpret_cast<SegmentHeader*>(p)->layout_version = kLayoutVersion + 1;
  });
  Status s = OpenStatus();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("version")) << s.message();
}

TEST_F(SegmentTest, RefusesSizesThatDisagreeWithTheHeader) {
  std::unique_ptr<Segment> seg;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", SmallOptions())).ok());
  PatchObject([](char* p, std::size_t) {
    reinterpret_cast<SegmentHeader*>(p)->data_capacity = 1 << 20;  // bigger than mapped
  });
  EXPECT_TRUE(OpenStatus().IsCorruption());
  PatchObject([](char* p, std::size_t) {
    auto* h = reinterpret_cast<SegmentHeader*>(p);
    h->data_capacity = 1 << 16;
    h->index_slots = 255;  // not a power of two
  });
  EXPECT_TRUE(OpenStatus().IsCorruption());
  PatchObject([](char* p, std::size_t) {
    auto* h = reinterpret_cast<SegmentHeader*>(p);
    h->index_slots = 256;
    h->data_offset += 64;  // offsets must match the sizes
  });
  EXPECT_TRUE(OpenStatus().IsCorruption());
}

TEST_F(SegmentTest, RefusesATruncatedObject) {
  std::unique_ptr<Segment> seg;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", SmallOptions())).ok());
  std::uint64_t full = seg->size_bytes();
  seg.reset();
  ASSERT_EQ(0, ::truncate(("/dev/shm/" + SegmentName(stream_, "")).c_str(),
                          static_cast<off_t>(full - 4096)));
  Status s = OpenStatus();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("truncated")) << s.message();
  ASSERT_EQ(0, ::truncate(("/dev/shm/" + SegmentName(stream_, "")).c_str(), 100));
  s = OpenStatus();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
}

TEST_F(SegmentTest, RefusesRandomBytesWithoutCrashing) {
  std::mt19937_64 rng(7);
  for (std::size_t size : {64u, 320u, 4096u, 1u << 17}) {
    WriteRawObject(size, [&](char* p) {
      for (std::size_t i = 0; i < size; ++i) p[i] = static_cast<char>(rng());
    });
    EXPECT_TRUE(OpenStatus().IsCorruption()) << size;
    ASSERT_TRUE(Segment::Remove(stream_, "").ok());
  }
  // Random bytes behind a valid magic: the sizes are checked, not trusted.
  WriteRawObject(1 << 17, [&](char* p) {
    for (std::size_t i = 0; i < (1u << 17); ++i) p[i] = static_cast<char>(rng());
    std::memcpy(p, kSegmentMagic, 8);
    reinterpret_cast<SegmentHeader*>(p)->layout_version = kLayoutVersion;
    reinterpret_cast<SegmentHeader*>(p)->ready.store(kReadyValue);
  });
  EXPECT_TRUE(OpenStatus().IsCorruption());
}

TEST_F(SegmentTest, ReadOnlyAttachReallyMapsReadOnly) {
  std::unique_ptr<Segment> rw, ro;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&rw, Segment::Create(stream_, "", SmallOptions())).ok());
  ASSERT_TRUE(::evbus::testutil::AssignTo(&ro, Segment::OpenReadOnly(stream_, "")).ok());
  EXPECT_TRUE(ro->read_only());
  EXPECT_EQ(rw->header().total_size, ro->header().total_size);
  std::unique_ptr<Producer> producer;
  EXPECT_TRUE(
      ::evbus::testutil::AssignTo(&producer, Producer::Attach(ro.get(), "p")).IsInvalidArgument());
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGSEGV, SIG_DFL);  // sanitizers install their own handler: die by the signal
    ro->wait_word()->waiters.store(1, std::memory_order_relaxed);  // must fault
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(child, ::waitpid(child, &status, 0));
  ASSERT_TRUE(WIFSIGNALED(status)) << "a write through the read-only mapping succeeded";
  EXPECT_EQ(SIGSEGV, WTERMSIG(status));
  EXPECT_EQ(0u, rw->wait_word()->waiters.load());
}

TEST_F(SegmentTest, ListShowsNameUserSizeCreatorAndAttachedProducers) {
  std::unique_ptr<Segment> seg;
  ASSERT_TRUE(
      ::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "alice", SmallOptions())).ok());
  std::unique_ptr<Producer> producer;
  ASSERT_TRUE(::evbus::testutil::AssignTo(&producer, Producer::Attach(seg.get(), "writer")).ok());
  bool found = false;
  for (const SegmentInfo& info : Segment::List()) {
    if (info.shm_name != seg->shm_name()) continue;
    found = true;
    EXPECT_TRUE(info.valid) << info.error;
    EXPECT_EQ(stream_, info.stream);
    EXPECT_EQ("alice", info.user);
    EXPECT_EQ(seg->size_bytes(), info.size_bytes);
    EXPECT_EQ(::getpid(), info.creator_pid);
    EXPECT_TRUE(info.creator_alive);
    EXPECT_EQ(1, info.live_producers);
    EXPECT_FALSE(info.stale());
  }
  EXPECT_TRUE(found);
}

TEST_F(SegmentTest, StaleSegmentOfADeadCreatorIsListedAndRemovable) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::unique_ptr<Segment> seg;
    ::_exit(::evbus::testutil::AssignTo(&seg, Segment::Create(stream_, "", SmallOptions())).ok()
                ? 0
                : 1);
  }
  int status = 0;
  ASSERT_EQ(child, ::waitpid(child, &status, 0));
  ASSERT_EQ(0, WEXITSTATUS(status));
  bool found = false;
  for (const SegmentInfo& info : Segment::List()) {
    if (info.shm_name != SegmentName(stream_, "")) continue;
    found = true;
    EXPECT_EQ(child, info.creator_pid);
    EXPECT_FALSE(info.creator_alive);
    EXPECT_TRUE(info.stale());
  }
  ASSERT_TRUE(found);
  EXPECT_TRUE(Segment::Remove(stream_, "").ok());
}

TEST_F(SegmentTest, ListReportsAnInvalidObjectInsteadOfSkippingIt) {
  WriteRawObject(128, [](char* p) { std::memset(p, 0xAB, 128); });
  bool found = false;
  for (const SegmentInfo& info : Segment::List()) {
    if (info.shm_name != SegmentName(stream_, "")) continue;
    found = true;
    EXPECT_FALSE(info.valid);
    EXPECT_FALSE(info.error.empty());
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace evbus::shm
