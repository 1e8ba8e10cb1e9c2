#include "shm/crc32c.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "shm/layout.h"

namespace evbus::shm {
namespace {

TEST(Crc32cTest, MatchesRfc3720TestVectors) {
  char buf[32];
  std::memset(buf, 0, sizeof(buf));
  EXPECT_EQ(0x8a9136aaU, crc32c::Value(buf, sizeof(buf)));
  std::memset(buf, 0xff, sizeof(buf));
  EXPECT_EQ(0x62a8ab43U, crc32c::Value(buf, sizeof(buf)));
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(i);
  EXPECT_EQ(0x46dd794eU, crc32c::Value(buf, sizeof(buf)));
  for (int i = 0; i < 32; ++i) buf[i] = static_cast<char>(31 - i);
  EXPECT_EQ(0x113fdb5cU, crc32c::Value(buf, sizeof(buf)));
  EXPECT_EQ(0xe3069283U, crc32c::Value("123456789", 9));
}

TEST(Crc32cTest, ExtendEqualsValueOfConcatenation) {
  std::string a = "hello ", b = "world";
  EXPECT_EQ(crc32c::Value((a + b).data(), a.size() + b.size()),
            crc32c::Extend(crc32c::Value(a.data(), a.size()), b.data(), b.size()));
}

std::vector<unsigned char> RandomBytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<unsigned char> data(n);
  for (auto& c : data) c = static_cast<unsigned char>(rng());
  return data;
}

// Every length from 0 to 4096 at every alignment mod 8: crosses each block
// size of the three-stream loop (3 x 64, 3 x 512) and every tail length.
TEST(Crc32cTest, MatchesThePortablePathForEveryLengthUpTo4096AtEveryAlignment) {
  const std::vector<unsigned char> data = RandomBytes(4096 + 8, 42);
  for (std::size_t offset = 0; offset < 8; ++offset) {
    for (std::size_t len = 0; len <= 4096; ++len) {
      const unsigned char* p = data.data() + offset;
      ASSERT_EQ(crc32c::ExtendPortable(0, p, len), crc32c::Extend(0, p, len))
          << "offset " << offset << " len " << len;
    }
  }
}

// Large buffers reach the 3 x 4096 loop, then fall through the smaller ones.
TEST(Crc32cTest, MatchesThePortablePathOnLargeRandomBuffers) {
  std::mt19937 rng(7);
  for (int round = 0; round < 24; ++round) {
    const std::size_t len = 12'288 + rng() % (1u << 20);
    const std::size_t offset = rng() % 8;
    const std::vector<unsigned char> data =
        RandomBytes(len + offset, static_cast<std::uint32_t>(rng()));
    const std::uint32_t init = round % 2 == 0 ? 0 : static_cast<std::uint32_t>(rng());
    ASSERT_EQ(crc32c::ExtendPortable(init, data.data() + offset, len),
              crc32c::Extend(init, data.data() + offset, len))
        << "round " << round << " len " << len << " offset " << offset;
  }
}

// Each implementation on its own, against the table: every length up to
// 2 KiB around the folding path's 64-byte blocks and 256-byte rounds, from
// random start states, at every alignment mod 64 (a 512-bit load).
TEST(Crc32cTest, EveryPathThisCpuRunsMatchesTheTable) {
  const std::vector<unsigned char> data = RandomBytes(2048 + 64, 11);
  std::mt19937 rng(3);
  for (crc32c::Path path : {crc32c::Path::kCrc32Instruction, crc32c::Path::kCarrylessFold}) {
    if (!crc32c::Supports(path)) {
      std::printf("this CPU lacks path %d: only the table and the paths below it run\n",
                  static_cast<int>(path));
      continue;
    }
    for (std::size_t len = 0; len <= 2048; ++len) {
      const std::size_t offset = len % 64;
      const std::uint32_t init = len % 3 == 0 ? 0 : static_cast<std::uint32_t>(rng());
      const unsigned char* p = data.data() + offset;
      ASSERT_EQ(crc32c::ExtendPortable(init, p, len), crc32c::ExtendWith(path, init, p, len))
          << "path " << static_cast<int>(path) << " len " << len << " offset " << offset;
    }
  }
}

// The folding path's constants: one bit set anywhere in a long buffer (the
// CRC is linear, so this checks each bit position's weight on its own).
TEST(Crc32cTest, TheFoldingPathWeighsEveryBitPositionAsTheTableDoes) {
  if (!crc32c::Supports(crc32c::Path::kCarrylessFold)) {
    GTEST_SKIP() << "this CPU has no AVX-512 VPCLMULQDQ: the folding path does not run here";
  }
  std::vector<unsigned char> data(1088, 0);
  for (std::size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] = static_cast<unsigned char>(1u << (bit % 8));
    ASSERT_EQ(crc32c::ExtendPortable(0, data.data(), data.size()),
              crc32c::ExtendWith(crc32c::Path::kCarrylessFold, 0, data.data(), data.size()))
        << "bit " << bit;
    data[bit / 8] = 0;
  }
}

TEST(Crc32cTest, ChainedExtendsEqualOneShotAtRandomSplits) {
  std::mt19937 rng(99);
  const std::vector<unsigned char> data = RandomBytes(200'000, 5);
  const std::uint32_t whole = crc32c::Value(data.data(), data.size());
  EXPECT_EQ(whole, crc32c::ExtendPortable(0, data.data(), data.size()));
  for (int round = 0; round < 50; ++round) {
    std::uint32_t crc = 0;
    std::size_t done = 0;
    while (done < data.size()) {
      const std::size_t piece = std::min<std::size_t>(data.size() - done, 1 + rng() % 40'000);
      crc = crc32c::Extend(crc, data.data() + done, piece);
      done += piece;
    }
    ASSERT_EQ(crc, whole) << "round " << round;
  }
}

TEST(Crc32cTest, LongRunsOfZerosAndOnesMatchThePortablePath) {
  for (int fill : {0x00, 0xff}) {
    const std::vector<unsigned char> data(3 * 4096 * 2 + 3 * 512 + 3 * 64 + 7,
                                          static_cast<unsigned char>(fill));
    EXPECT_EQ(crc32c::ExtendPortable(0, data.data(), data.size()),
              crc32c::Extend(0, data.data(), data.size()));
  }
}

TEST(Crc32cTest, DetectsASingleBitFlip) {
  std::string s(1000, 'x');
  std::uint32_t before = crc32c::Value(s.data(), s.size());
  s[500] ^= 0x10;
  EXPECT_NE(before, crc32c::Value(s.data(), s.size()));
}

// The record check (shm/layout.h) is the CRC32C of the body, the id and the
// entry's place and metadata bytes, in that order, with nothing between: the
// value a reader of any version computes, so it is a format, not a detail.
TEST(Crc32cTest, RecordChecksumIsTheCrcOfBodyIdPlaceAndMetadataInOrder) {
  std::mt19937_64 rng(7);
  for (std::size_t length : {0u, 1u, 7u, 64u, 1000u}) {
    std::string body(length, '\0');
    for (char& c : body) c = static_cast<char>(rng());
    char entry[sizeof(IndexEntry)];
    for (char& c : entry) c = static_cast<char>(rng());
    const std::uint64_t id = rng();
    std::string whole = body;
    whole.append(reinterpret_cast<const char*>(&id), sizeof(id));
    whole.append(entry + kChecksummedPlaceOffset, kChecksummedPlaceBytes);
    whole.append(entry + kChecksummedMetaOffset, kChecksummedMetaBytes);
    EXPECT_EQ(RecordChecksum(id, body.data(), body.size(), entry),
              crc32c::ExtendPortable(0, whole.data(), whole.size()))
        << length;
  }
}

}  // namespace
}  // namespace evbus::shm
