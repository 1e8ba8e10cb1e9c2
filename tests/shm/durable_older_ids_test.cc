// A durable subscriber that asks for records older than the head at its
// registration (StartAt::kOldest here) is not protected for those: a
// producer whose gate cache was computed before the registration may still
// overwrite them. It must then report a gap for them, not deliver corrupt
// records (the CRC would catch a torn copy as kCorrupt), and it must skip
// nothing from that head on, which every producer's gate does protect.
// Also for a restarted incarnation that resumes behind that head (the
// torture suite's killed durable subscriber found this).
#include <gtest/gtest.h>

#include <string>

#include "tests/shm/ring_fixture.h"

namespace evbus::shm {
namespace {

constexpr std::uint64_t kCapacity = 64 << 10;
constexpr std::size_t kBody = 1000;  // 1,024 ring bytes each: 64 records a lap

class DurableOlderIdsTest : public RingTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override {
    RingTest::SetUp();
    Create(kCapacity, 1024, 4096);
  }
  void PublishIds(Producer* p, std::uint64_t first, std::uint64_t end) {
    for (std::uint64_t i = first; i < end; ++i) {
      ASSERT_EQ(i, MustPublish(p, BodyFor(i, kBody)));
    }
  }
};

TEST_P(DurableOlderIdsTest, OverwrittenOlderIdsAreAGapAndEveryLaterIdIsDelivered) {
  auto producer = NewProducer();
  // Ids 0..128: the producer's last gate refresh was at id 128 (tail 128 KiB),
  // with no durable subscriber: it may write up to 192 KiB without looking.
  PublishIds(producer.get(), 0, 129);
  auto sub = NewSubscriber(Opts("durable", /*durable=*/true, StartAt::kOldest));
  ASSERT_EQ(65u, sub->next_id()) << "the oldest intact id";
  if (GetParam()) {
    // Killed before its first read, restarted: it resumes at 65.
    sub.reset();
    sub = NewSubscriber(Opts("durable", /*durable=*/true, StartAt::kOldest));
    ASSERT_EQ(65u, sub->next_id());
  }
  // Ids 129..188 overwrite the ring bytes of ids 65..124; the producer's
  // cache, older than the registration, lets it.
  PublishIds(producer.get(), 129, 189);
  Record r;
  ASSERT_EQ(ReadStatus::kGap, sub->TryRead(&r)) << "an overwritten record was not a gap";
  EXPECT_EQ(65u, r.gap_first);
  EXPECT_GE(r.gap_last, 124u) << "an overwritten id was delivered";
  EXPECT_LE(r.gap_last, 128u) << "the gap skipped ids the gate protects";
  for (std::uint64_t id = r.gap_last + 1; id < 189; ++id) {
    ASSERT_EQ(ReadStatus::kRecord, sub->TryRead(&r)) << "id " << id;
    ASSERT_EQ(id, r.id);
    ASSERT_EQ(BodyFor(id, kBody), std::string(r.body)) << "id " << id;
  }
  EXPECT_EQ(ReadStatus::kEmpty, sub->TryRead(&r));
}

INSTANTIATE_TEST_SUITE_P(FirstOrRestarted, DurableOlderIdsTest, ::testing::Bool());

}  // namespace
}  // namespace evbus::shm
