// Big events (docs/shm_layout.md, section 13): a body above max_record_size
// goes to a body file and the ring carries a reference. Ids stay dense,
// readers get the whole body or a gap, durable readers never lose one, and
// the files are reclaimed and removed with the segment.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "shm/body_file.h"
#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

constexpr std::size_t kMiB = 1u << 20;

std::atomic<int> g_bodies_paused{0};
std::atomic<bool> g_release_body{false};

// The mid-body hook: the first body written waits (bounded) for the test.
void PauseFirstBody(std::uint64_t) {
  if (g_bodies_paused.fetch_add(1) != 0) return;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!g_release_body.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
}

class BigEventTest : public RingTest {
 protected:
  void TearDown() override {
    testing::SetBodyBudget(0);
    testing::SetMidBodyHook(nullptr);
    RingTest::TearDown();
  }
  // Reads the next record and expects exactly `body` under `id`.
  void ExpectRecord(Subscriber* sub, std::uint64_t id, const std::string& body) {
    Record r;
    ASSERT_EQ(ReadStatus::kRecord, sub->Read(&r, kSecond)) << "id " << id;
    EXPECT_EQ(id, r.id);
    EXPECT_EQ(body.size(), r.body.size());
    EXPECT_TRUE(r.body == body) << "body of id " << id << " differs";
  }
  void ExpectGap(Subscriber* sub, std::uint64_t id) {
    Record r;
    ASSERT_EQ(ReadStatus::kGap, sub->Read(&r, kSecond)) << "id " << id;
    EXPECT_EQ(id, r.gap_first);
    EXPECT_EQ(id, r.gap_last);
  }
};

TEST_F(BigEventTest, BodyAboveMaxRecordSizeGoesToAnOwnerOnlyFile) {
  Create(1 << 20, 64, 4096);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("reader"));
  const std::string small = BodyFor(1, 1024), big = BodyFor(2, 3 * kMiB);
  EXPECT_EQ(0u, MustPublish(p.get(), small));
  EXPECT_EQ(1u, MustPublish(p.get(), big));
  EXPECT_EQ(2u, MustPublish(p.get(), small));
  ExpectRecord(sub.get(), 0, small);
  ExpectRecord(sub.get(), 1, big);
  ExpectRecord(sub.get(), 2, small);
  // The file: owner-only, exactly the body; the ring holds only a reference.
  struct stat st {};
  ASSERT_EQ(0, ::lstat(BodyFilePath(*seg_, 1).c_str(), &st));
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(0600u, st.st_mode & 0777);
  EXPECT_EQ(big.size(), static_cast<std::size_t>(st.st_size));
  EXPECT_EQ(kEntryKindBodyFile, seg_->index_entry(1)->reserved);
  EXPECT_EQ(sizeof(BodyRef), seg_->index_entry(1)->length);
  EXPECT_EQ(1u, ListBodies(*seg_).files);
  // Removing the segment removes its bodies.
  sub.reset();
  p.reset();
  seg_.reset();
  ASSERT_TRUE(Segment::Remove(stream_, "").ok());
  EXPECT_EQ(0, RemoveAllBodies("evbus." + stream_)) << "Segment::Remove left body files";
}

TEST_F(BigEventTest, DefaultSegmentTakes8And64MiBEvents) {
  ASSERT_TRUE(::evbus::testutil::AssignTo(&seg_, Segment::Create(stream_, "", {})).ok());
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("reader"));
  const std::string e8 = BodyFor(8, 8 * kMiB), e64 = BodyFor(64, 64 * kMiB);
  EXPECT_EQ(0u, MustPublish(p.get(), e8));
  EXPECT_EQ(1u, MustPublish(p.get(), e64));
  ExpectRecord(sub.get(), 0, e8);
  ExpectRecord(sub.get(), 1, e64);
}

TEST_F(BigEventTest, RefusesAnEventAboveTheBoundWithAClearError) {
  Create(1 << 20, 64, 4096);
  auto p = NewProducer();
  const std::string huge(kMaxEventBytes + 1, 'x');
  std::uint64_t id = 0;
  const Status s = p->Publish({}, huge, kSecond, &id);
  EXPECT_TRUE(s.IsTooLarge()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("at most " + std::to_string(kMaxEventBytes)))
      << s.message();
  EXPECT_EQ(0u, ListBodies(*seg_).files);
  EXPECT_EQ(0u, MustPublish(p.get(), "next")) << "the refused event took no id";
}

TEST_F(BigEventTest, DurableReaderHoldsItsBodiesAndTheProducerWaits) {
  Create(1 << 20, 64, 4096);
  testing::SetBodyBudget(4 * kMiB);
  auto p = NewProducer();
  auto durable = NewSubscriber(Opts("persister", /*durable=*/true, StartAt::kLatest));
  const std::string a = BodyFor(1, 2 * kMiB), b = BodyFor(2, 2 * kMiB), c = BodyFor(3, 2 * kMiB);
  EXPECT_EQ(0u, MustPublish(p.get(), a));
  EXPECT_EQ(1u, MustPublish(p.get(), b));
  std::uint64_t id = 0;
  const Status s = p->Publish({}, c, 50'000'000, &id);
  EXPECT_EQ(Status::Code::kBackPressured, s.code()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("big-event bodies")) << s.message();
  EXPECT_EQ(2u, ListBodies(*seg_).files) << "an unread body was reclaimed";
  ExpectRecord(durable.get(), 0, a);
  EXPECT_EQ(2u, MustPublish(p.get(), c)) << "room once the durable reader moved on";
  ExpectRecord(durable.get(), 1, b);
  ExpectRecord(durable.get(), 2, c);
}

TEST_F(BigEventTest, ReaderBehindReclaimedBodiesGetsGapsNeverTornBodies) {
  Create(1 << 20, 64, 4096);
  testing::SetBodyBudget(4 * kMiB);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("slow"));
  std::vector<std::string> bodies;
  for (std::uint64_t i = 0; i < 4; ++i) {
    bodies.push_back(BodyFor(i, 2 * kMiB));
    EXPECT_EQ(i, MustPublish(p.get(), bodies.back()));
  }
  // No durable reader: the floor is the head, so ids 0 and 1 made room.
  EXPECT_EQ(2u, ListBodies(*seg_).files);
  ExpectGap(sub.get(), 0);
  ExpectGap(sub.get(), 1);
  ExpectRecord(sub.get(), 2, bodies[2]);
  ExpectRecord(sub.get(), 3, bodies[3]);
}

TEST_F(BigEventTest, BodyStillBeingWrittenIsNeverReclaimed) {
  Create(1 << 20, 64, 4096);
  testing::SetBodyBudget(4 * kMiB);
  testing::SetMidBodyHook(&PauseFirstBody);
  auto sub = NewSubscriber(Opts("reader"));
  const std::string slow = BodyFor(1, 2 * kMiB);
  std::thread writer([&] {
    auto p = NewProducer("slow");
    EXPECT_EQ(0u, MustPublish(p.get(), slow));
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (g_bodies_paused.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  // Over budget with id 0 half written: the others make room, never id 0.
  auto p = NewProducer("fast");
  for (std::uint64_t i = 1; i <= 3; ++i) EXPECT_EQ(i, MustPublish(p.get(), BodyFor(i, 2 * kMiB)));
  g_release_body = true;
  writer.join();
  ExpectRecord(sub.get(), 0, slow);
}

TEST_F(BigEventTest, DamagedBodyFileIsReportedCorrupt) {
  Create(1 << 20, 64, 4096);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("reader"));
  const std::string big = BodyFor(5, 2 * kMiB);
  EXPECT_EQ(0u, MustPublish(p.get(), big));
  const int fd = ::open(BodyFilePath(*seg_, 0).c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(1, ::pwrite(fd, "!", 1, 1000));
  ::close(fd);
  Record r;
  EXPECT_EQ(ReadStatus::kCorrupt, sub->Read(&r, kSecond));
  EXPECT_EQ(0u, r.id);
}

TEST_F(BigEventTest, UnwritableBodyFileAbandonsTheIdAndSaysWhy) {
  Create(1 << 20, 64, 4096);
  auto p = NewProducer();
  auto sub = NewSubscriber(Opts("reader"));
  // Something already holds the name of id 0's body (O_EXCL refuses it).
  const int fd = ::open(BodyFilePath(*seg_, 0).c_str(), O_WRONLY | O_CREAT, 0600);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::uint64_t id = 0;
  const Status s = p->Publish({}, BodyFor(1, 2 * kMiB), kSecond, &id);
  EXPECT_EQ(Status::Code::kIOError, s.code()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("event id 0 is reported abandoned")) << s.message();
  const std::string next = BodyFor(2, 2 * kMiB);
  EXPECT_EQ(1u, MustPublish(p.get(), next));
  Record r;
  ASSERT_EQ(ReadStatus::kAbandoned, sub->Read(&r, kSecond));
  EXPECT_EQ(0u, r.id);
  EXPECT_EQ(::getpid(), r.abandoned_by_pid);
  ExpectRecord(sub.get(), 1, next);
}

}  // namespace
}  // namespace evbus::shm
