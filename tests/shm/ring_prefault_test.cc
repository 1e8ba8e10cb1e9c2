// PopulateDataRing: populated pages are mapped in this process (writing
// them takes no page fault), across the ring's end too; a read-only
// segment's pages are populated for reading; populating changes no byte.
#include "shm/ring_prefault.h"

#include <gtest/gtest.h>

#include <cstring>

#include "tests/shm/ring_fixture.h"
#include "tests/testutil/page_faults.h"

namespace evbus::shm {
namespace {

constexpr std::uint64_t kPage = 4096;
constexpr std::uint64_t kCapacity = 4u << 20;

// Page faults this thread took while writing one byte to each page of the
// ring's bytes [from, to) (unwrapped, so they may cross the ring's end).
long FaultsWriting(const Segment& segment, std::uint64_t from, std::uint64_t to) {
  return testutil::ThreadFaultsDuring([&] {
    for (std::uint64_t pos = from; pos < to; pos += kPage) segment.data()[pos % kCapacity] = 'x';
  });
}

class RingPrefaultTest : public RingTest {
 protected:
  void SetUp() override {
    RingTest::SetUp();
    Create(kCapacity, 1024, 64u << 10);
  }
};

TEST_F(RingPrefaultTest, PopulatedPagesAreWrittenWithoutAFault) {
  // Unpopulated, a fresh ring faults on (nearly) every page it writes: the
  // check below would pass for nothing otherwise.
  const long fresh = FaultsWriting(*seg_, 0, 128 * kPage);
  EXPECT_GE(fresh, 64) << "a fresh ring's pages should fault when first written";
  ASSERT_TRUE(PopulateDataRing(*seg_, 128 * kPage, 384 * kPage).ok());
  EXPECT_LE(FaultsWriting(*seg_, 128 * kPage, 384 * kPage), testutil::AllowedFaults(256));
  // Beyond what was populated, faults again.
  EXPECT_GE(FaultsWriting(*seg_, 384 * kPage, 512 * kPage), 64);
}

TEST_F(RingPrefaultTest, APopulatedRangeThatCrossesTheRingsEndMapsBothPieces) {
  const std::uint64_t from = kCapacity - 64 * kPage;  // the last 64 pages, then the first 64
  const std::uint64_t to = kCapacity + 64 * kPage;
  ASSERT_TRUE(PopulateDataRing(*seg_, from + 100, to - 100).ok()) << "widened to whole pages";
  EXPECT_LE(FaultsWriting(*seg_, from, to), testutil::AllowedFaults(128));
}

TEST_F(RingPrefaultTest, MoreThanOneLapPopulatesTheLastLapOnly) {
  ASSERT_TRUE(PopulateDataRing(*seg_, 0, 3 * kCapacity).ok());
  EXPECT_LE(FaultsWriting(*seg_, 0, kCapacity), testutil::AllowedFaults(kCapacity / kPage) + 12);
  EXPECT_TRUE(PopulateDataRing(*seg_, 10, 10).ok()) << "an empty range is nothing to do";
}

TEST_F(RingPrefaultTest, TheTailHintFollowsClaims) {
  std::unique_ptr<Producer> producer;
  ASSERT_TRUE(testutil::AssignTo(&producer, Producer::Attach(seg_.get(), "p")).ok());
  EXPECT_EQ(DataTailHint(*seg_), 0u);
  std::uint64_t id = 0;
  ASSERT_EQ(producer->TryPublish({}, BodyFor(1, 1000), &id), PublishResult::kOk);
  EXPECT_EQ(DataTailHint(*seg_), 1024u) << "one 64-aligned record";
}

TEST_F(RingPrefaultTest, AReadOnlySegmentIsPopulatedForReading) {
  std::unique_ptr<Segment> ro;
  ASSERT_TRUE(testutil::AssignTo(&ro, Segment::OpenReadOnly(stream_, "")).ok());
  const auto fresh = testutil::ReadOneBytePerPage(ro->data(), kCapacity, 0, 128 * kPage);
  EXPECT_GE(fresh.faults, 64) << "unpopulated pages fault when first read";
  ASSERT_TRUE(PopulateDataRing(*ro, 128 * kPage, 384 * kPage).ok());
  const auto populated =
      testutil::ReadOneBytePerPage(ro->data(), kCapacity, 128 * kPage, 384 * kPage);
  EXPECT_LE(populated.faults, testutil::AllowedFaults(256));
  EXPECT_EQ(fresh.sum + populated.sum, 0u) << "a fresh ring reads as zeros";
}

TEST_F(RingPrefaultTest, PopulatingChangesNoByte) {
  for (std::uint64_t pos = 0; pos < 64 * kPage; pos += 977) seg_->data()[pos] = 'a';
  std::string before(seg_->data(), 64 * kPage);
  ASSERT_TRUE(PopulateDataRing(*seg_, 0, 128 * kPage).ok());
  EXPECT_EQ(std::string(seg_->data(), 64 * kPage), before);
}

}  // namespace
}  // namespace evbus::shm
