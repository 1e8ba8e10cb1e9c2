#include "persist/page_format.h"

#include <gtest/gtest.h>

#include <string>

#include "persist/page_codec.h"

namespace evbus::persist {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size();) {
    if (hex[i] == ' ') {
      ++i;
      continue;
    }
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    i += 2;
  }
  return out;
}

TEST(PageFormatTest, EncodesTheWorkedExampleOfTheSpec) {
  // docs/page_format.md, "Worked example".
  std::string page;
  AppendFileHeader(7, &page);
  RecordMeta meta;
  meta.id = 7;
  meta.timestamp_ns = 1752851496799608000;
  meta.cause = kNoCause;
  meta.type = 0;
  meta.source = 2;
  meta.flags = kFlagHasTimestamp;
  AppendRecord(meta, R"({"id":7,"source":"user","message":"hi","action":"message"})", &page);
  const std::string expected = FromHex(
      "45 56 42 55 53 50 47 31 01 00 00 00 20 00 00 00"
      "07 00 00 00 00 00 00 00 00 00 00 00 b2 a6 d4 a9"
      "80 61 1f 26 3a 00 00 00 07 00 00 00 00 00 00 00"
      "c0 9c c0 3a 26 61 53 18 ff ff ff ff ff ff ff ff"
      "00 00 02 04 00 00 00 00 7b 22 69 64 22 3a 37 2c"
      "22 73 6f 75 72 63 65 22 3a 22 75 73 65 72 22 2c"
      "22 6d 65 73 73 61 67 65 22 3a 22 68 69 22 2c 22"
      "61 63 74 69 6f 6e 22 3a 22 6d 65 73 73 61 67 65"
      "22 7d 00 00 00 00 00 00");
  EXPECT_EQ(page, expected);
}

TEST(PageFormatTest, MaskedCrcRoundTripsAndDiffersFromPlainCrc) {
  for (std::uint32_t crc : {0u, 1u, 0xdeadbeefu, 0xffffffffu}) {
    EXPECT_EQ(UnmaskCrc(MaskCrc(crc)), crc);
    EXPECT_NE(MaskCrc(crc), crc);
  }
}

TEST(PageFormatTest, PadsRecordsToEightBytes) {
  EXPECT_EQ(PaddedRecordSize(0), 40u);
  EXPECT_EQ(PaddedRecordSize(1), 48u);
  EXPECT_EQ(PaddedRecordSize(8), 48u);
  EXPECT_EQ(PaddedRecordSize(9), 56u);
}

TEST(PageFormatTest, DecodesWhatItEncodesForEveryField) {
  RecordMeta meta;
  meta.id = 0x0102030405060708;
  meta.timestamp_ns = -5;
  meta.cause = 99;
  meta.type = 0x1234;
  meta.source = 3;
  meta.flags = kFlagHidden | kFlagHasTimestamp;
  std::string bytes;
  AppendRecord(meta, "body!", &bytes);
  DecodedRecord rec;
  ASSERT_EQ(DecodeRecord(bytes, &rec), RecordCheck::kOk);
  EXPECT_EQ(rec.meta.id, meta.id);
  EXPECT_EQ(rec.meta.timestamp_ns, meta.timestamp_ns);
  EXPECT_EQ(rec.meta.cause, meta.cause);
  EXPECT_EQ(rec.meta.type, meta.type);
  EXPECT_EQ(rec.meta.source, meta.source);
  EXPECT_EQ(rec.meta.flags, meta.flags);
  EXPECT_EQ(rec.body, "body!");
  EXPECT_EQ(rec.size, bytes.size());
}

TEST(PageFormatTest, RejectsUnknownFlagBitsEvenUnderAValidCrc) {
  RecordMeta meta;
  meta.flags = 0x80;
  std::string bytes;
  AppendRecord(meta, "", &bytes);
  DecodedRecord rec;
  EXPECT_EQ(DecodeRecord(bytes, &rec), RecordCheck::kBadFlags);
}

TEST(PageFormatTest, ReportsTruncationBeforeChecksum) {
  std::string bytes;
  AppendRecord(RecordMeta{}, "0123456789", &bytes);
  DecodedRecord rec;
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_EQ(DecodeRecord(std::string_view(bytes).substr(0, cut), &rec), RecordCheck::kTruncated)
        << cut;
  }
}

TEST(PageFormatTest, CheckpointRoundTripsAndDetectsEveryByteFlip) {
  const Checkpoint checkpoint{1234, 1000, 56789};
  const std::string bytes = EncodeCheckpoint(checkpoint);
  ASSERT_EQ(bytes.size(), kCheckpointSize);
  auto decoded = DecodeCheckpoint(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, checkpoint);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    EXPECT_TRUE(DecodeCheckpoint(flipped).status().IsCorruption()) << i;
  }
}

TEST(PageFormatTest, PageFileNamesSortLikeTheirIds) {
  EXPECT_EQ(PageFileName(42), "00000000000000000042.evp");
  EXPECT_LT(PageFileName(999), PageFileName(1000));
  std::uint64_t id = 0;
  ASSERT_TRUE(ParsePageFileName(PageFileName(18446744073709551615ull), &id));
  EXPECT_EQ(id, 18446744073709551615ull);
  EXPECT_FALSE(ParsePageFileName("00000000000000000042.evp.tmp", &id));
  EXPECT_FALSE(ParsePageFileName("0000000000000000004x.evp", &id));
  EXPECT_FALSE(ParsePageFileName("CHECKPOINT", &id));
}

}  // namespace
}  // namespace evbus::persist
