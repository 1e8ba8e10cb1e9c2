#include "shm/layout.h"

#include <gtest/gtest.h>

#include <cstring>

namespace evbus::shm {
namespace {

TEST(LayoutTest, EveryRegionIsCacheLineAlignedAndDisjoint) {
  for (std::uint32_t slots : {2u, 64u, 1u << 16}) {
    RegionOffsets o = ComputeOffsets(1 << 20, slots);
    for (std::uint64_t off : {o.claim, o.wait, o.producers, o.subscribers, o.index, o.data}) {
      EXPECT_EQ(0u, off % kCacheLine);
    }
    EXPECT_EQ(0u, o.data % 4096) << "data ring starts on a page";
    EXPECT_GE(o.claim, sizeof(SegmentHeader));
    EXPECT_EQ(o.wait, o.claim + sizeof(ClaimWord));
    EXPECT_EQ(o.subscribers, o.producers + kProducerSlots * sizeof(ProducerSlot));
    EXPECT_GE(o.data, o.index + slots * sizeof(IndexEntry));
    EXPECT_EQ(o.total, o.data + (1 << 20));
  }
}

TEST(LayoutTest, ClaimWordIsSixteenByteAlignedForTheDoubleWidthCas) {
  EXPECT_EQ(0u, offsetof(ClaimWord, next_id) % 16);
  EXPECT_EQ(0u, ComputeOffsets(4096, 2).claim % 16);
}

TEST(LayoutTest, CommitValuesOfDifferentIdsAndStatesNeverCollide) {
  EXPECT_NE(CommittedValue(0), 0u) << "0 means never written";
  EXPECT_NE(CommittedValue(7), AbandonedValue(7));
  EXPECT_EQ(CommittedValue(7), AbandonedValue(7) & ~kAbandonedBit);
  EXPECT_NE(AbandonedValue(7), CommittedValue(8));
}

TEST(LayoutTest, ProducerStateEncodesClaimedIdBesideTheStateBits) {
  std::uint64_t s = kStateClaimed | 12345;
  EXPECT_EQ(12345u, s & kStateIdMask);
  EXPECT_EQ(kStateClaimed, s & ~kStateIdMask);
  EXPECT_NE(kStateClaiming, kStateClaimed | 0);
}

TEST(LayoutTest, RecordChecksumCoversMetadataAsWellAsBody) {
  char entry[sizeof(IndexEntry)] = {};
  const char body[] = "{\"action\":\"run\"}";
  std::uint32_t c1 = RecordChecksum(body, sizeof(body) - 1, entry);
  entry[kChecksummedMetaOffset + 3] = 1;  // a timestamp byte
  EXPECT_NE(c1, RecordChecksum(body, sizeof(body) - 1, entry));
  entry[kChecksummedMetaOffset + 3] = 0;
  EXPECT_EQ(c1, RecordChecksum(body, sizeof(body) - 1, entry));
  entry[8] = 1;  // data_pos is not covered: a record may be copied elsewhere
  EXPECT_EQ(c1, RecordChecksum(body, sizeof(body) - 1, entry));
}

TEST(LayoutTest, SlotLockBytesDoNotOverlap) {
  EXPECT_LT(ProducerLockByte(kProducerSlots - 1), SubscriberLockByte(0));
}

}  // namespace
}  // namespace evbus::shm
