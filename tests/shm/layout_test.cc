#include "shm/layout.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

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
  std::uint32_t c1 = RecordChecksum(7, body, sizeof(body) - 1, entry);
  entry[kChecksummedMetaOffset + 3] = 1;  // a timestamp byte
  EXPECT_NE(c1, RecordChecksum(7, body, sizeof(body) - 1, entry));
  entry[kChecksummedMetaOffset + 3] = 0;
  EXPECT_EQ(c1, RecordChecksum(7, body, sizeof(body) - 1, entry));
}

// What a late write of an abandoned record leaves in the entry of a newer id
// is self-consistent except for the id; and the place fields say where the
// body is and how long, so they are trusted as much as the body.
TEST(LayoutTest, RecordChecksumCoversTheIdThePositionAndTheLength) {
  char entry[sizeof(IndexEntry)] = {};
  const char body[] = "{\"action\":\"run\"}";
  const std::uint32_t c1 = RecordChecksum(7, body, sizeof(body) - 1, entry);
  EXPECT_NE(c1, RecordChecksum(7 + 64, body, sizeof(body) - 1, entry)) << "id";
  for (std::size_t byte : {offsetof(IndexEntry, data_pos), offsetof(IndexEntry, data_pos) + 7,
                           offsetof(IndexEntry, length), offsetof(IndexEntry, length) + 3}) {
    entry[byte] = 1;
    EXPECT_NE(c1, RecordChecksum(7, body, sizeof(body) - 1, entry)) << "entry byte " << byte;
    entry[byte] = 0;
  }
  EXPECT_EQ(c1, RecordChecksum(7, body, sizeof(body) - 1, entry));
}

// The CRC catches every error burst of at most 32 bits. The ids of two laps
// of one entry, x and x + N, differ in the bits from log2(N) up to where the
// carry stops; with fewer than 31 one-bits in a row there, the difference is
// such a burst, so a late write is caught whatever the body.
TEST(LayoutTest, RecordChecksumAlwaysTellsApartTheIdsOfTwoLapsOfAnEntry) {
  char entry[sizeof(IndexEntry)] = {};
  std::string body(200, 'x');
  for (std::uint64_t n : {8u, 1024u, 1u << 16}) {
    for (std::uint64_t x : {std::uint64_t{0}, std::uint64_t{5}, n - 1, n * 3 + 1, (n << 20) - 1,
                            ~std::uint64_t{0} >> 40}) {
      body[x % body.size()] = static_cast<char>(x);
      EXPECT_NE(RecordChecksum(x, body.data(), body.size(), entry),
                RecordChecksum(x + n, body.data(), body.size(), entry))
          << "x " << x << " N " << n;
    }
  }
}

TEST(LayoutTest, ClaimantNamesAPidOnlyForTheIdItWasStoredFor) {
  EXPECT_EQ(4242, ClaimantPid(ClaimantValue(7, 4242), 7));
  EXPECT_EQ(4242, ClaimantPid(ClaimantValue(0, 4242), 0));
  EXPECT_EQ(0, ClaimantPid(0, 0)) << "a never written entry names nobody";
  EXPECT_EQ(0, ClaimantPid(ClaimantValue(7, 4242), 7 + 64)) << "a value of an earlier lap";
  EXPECT_EQ(0, ClaimantPid(ClaimantValue(7 + 64, 4242), 7)) << "a late store of a newer lap";
}

TEST(LayoutTest, RestartableClaimantKeepsItsPidAndSaysRestartable) {
  const std::uint64_t v = ClaimantValue(7, 4242) | kClaimantRestartable;
  EXPECT_EQ(4242, ClaimantPid(v, 7)) << "the restartable bit is not part of the pid";
  EXPECT_TRUE(ClaimantRestartable(v, 7));
  EXPECT_FALSE(ClaimantRestartable(ClaimantValue(7, 4242), 7));
  EXPECT_FALSE(ClaimantRestartable(v, 7 + 64)) << "a value of an earlier lap";
}

TEST(LayoutTest, SlotLockBytesDoNotOverlap) {
  EXPECT_LT(ProducerLockByte(kProducerSlots - 1), SubscriberLockByte(0));
}

}  // namespace
}  // namespace evbus::shm
