#include "shm/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

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

TEST(Crc32cTest, HardwareAndPortablePathsAgreeAtEveryAlignmentAndLength) {
  std::mt19937 rng(42);
  std::vector<unsigned char> data(4096 + 16);
  for (auto& c : data) c = static_cast<unsigned char>(rng());
  for (std::size_t offset = 0; offset < 9; ++offset) {
    for (std::size_t len : {0u, 1u, 3u, 7u, 8u, 9u, 63u, 64u, 65u, 1000u, 4096u}) {
      EXPECT_EQ(crc32c::ExtendPortable(0, data.data() + offset, len),
                crc32c::Extend(0, data.data() + offset, len))
          << "offset " << offset << " len " << len;
    }
  }
}

TEST(Crc32cTest, DetectsASingleBitFlip) {
  std::string s(1000, 'x');
  std::uint32_t before = crc32c::Value(s.data(), s.size());
  s[500] ^= 0x10;
  EXPECT_NE(before, crc32c::Value(s.data(), s.size()));
}

}  // namespace
}  // namespace evbus::shm
