// Page writer and reader: round trips, torn tails, byte flips in every region.
#include "persist/page_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <string>

#include "base/file_env.h"
#include "persist/page_codec.h"
#include "persist/page_writer.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::CollectingReporter;
using testing::SampleBody;
using testing::SampleMeta;
using testing::TempDir;

class PageReaderTest : public ::testing::Test {
 protected:
  // Writes ids [first, first+count) to a page; seals it if asked.
  std::string WritePage(std::uint64_t first, std::uint64_t count, bool seal) {
    const std::string path = JoinPath(dir_.path(), PageFileName(first));
    auto writer = PageWriter::Create(env_, path, first);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    for (std::uint64_t id = first; id < first + count; ++id) {
      EXPECT_TRUE((*writer)->Append(SampleMeta(id), SampleBody(id)).ok());
    }
    EXPECT_TRUE(seal ? (*writer)->Seal().ok() : (*writer)->Sync().ok());
    EXPECT_TRUE((*writer)->Close().ok());
    std::string bytes;
    EXPECT_TRUE(env_->ReadFile(path, &bytes).ok());
    return bytes;
  }

  static void ExpectRecords(std::string_view bytes, const ParsedPage& page, std::uint64_t first,
                            std::uint64_t count) {
    ASSERT_EQ(page.first_id, first);
    ASSERT_EQ(page.record_count(), count);
    for (std::uint64_t i = 0; i < count; ++i) {
      if (page.offsets[i] == 0) continue;  // dropped under continue_past_corruption
      const DecodedRecord rec = RecordAt(bytes, page.offsets[i]);
      EXPECT_EQ(rec.meta.id, first + i);
      EXPECT_EQ(rec.meta.timestamp_ns, SampleMeta(first + i).timestamp_ns);
      EXPECT_EQ(rec.meta.flags, SampleMeta(first + i).flags);
      EXPECT_EQ(rec.body, SampleBody(first + i));
    }
  }

  Env* env_ = Env::Default();
  TempDir dir_;
  CollectingReporter reporter_;
};

TEST_F(PageReaderTest, RoundTripsRecordsThroughASealedPage) {
  const std::string bytes = WritePage(100, 250, /*seal=*/true);
  auto page = ParsePage("p", bytes, {}, &reporter_);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_TRUE(page->sealed);
  EXPECT_TRUE(page->clean);
  EXPECT_TRUE(reporter_.reports.empty());
  ExpectRecords(bytes, *page, 100, 250);
}

TEST_F(PageReaderTest, ReadsAnUnsealedPageByScanning) {
  const std::string bytes = WritePage(0, 40, /*seal=*/false);
  auto page = ParsePage("p", bytes, {}, &reporter_);
  ASSERT_TRUE(page.ok());
  EXPECT_FALSE(page->sealed);
  EXPECT_EQ(page->valid_end, bytes.size());
  ExpectRecords(bytes, *page, 0, 40);
  EXPECT_TRUE(reporter_.reports.empty());
}

TEST_F(PageReaderTest, CreatesPageFilesOwnerOnly) {
  WritePage(0, 1, true);
  struct stat st;
  ASSERT_EQ(::stat(JoinPath(dir_.path(), PageFileName(0)).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(PageReaderTest, RejectsIdsThatAreNotDense) {
  auto writer = PageWriter::Create(env_, JoinPath(dir_.path(), PageFileName(5)), 5);
  ASSERT_TRUE(writer.ok());
  EXPECT_TRUE((*writer)->Append(SampleMeta(6), "x").IsInvalidArgument());
  EXPECT_TRUE((*writer)->Append(SampleMeta(5), "x").ok());
  EXPECT_EQ((*writer)->next_id(), 6u);
}

TEST_F(PageReaderTest, AcceptsAFirstRecordLargerThanThePageBound) {
  auto writer = PageWriter::Create(env_, JoinPath(dir_.path(), PageFileName(0)), 0);
  ASSERT_TRUE(writer.ok());
  EXPECT_FALSE((*writer)->WouldOverflow(1 << 20, 4096, 10));
  ASSERT_TRUE((*writer)->Append(SampleMeta(0), std::string(1 << 20, 'x')).ok());
  EXPECT_TRUE((*writer)->WouldOverflow(1, 4096, 10));
}

TEST_F(PageReaderTest, DropsExactlyTheTornLastRecordAtEveryCutPoint) {
  const std::string bytes = WritePage(10, 6, /*seal=*/false);
  auto whole = ParsePage("p", bytes, {}, nullptr);
  ASSERT_TRUE(whole.ok());
  const std::uint64_t last_start = whole->offsets.back();
  for (std::uint64_t cut = last_start; cut < bytes.size(); ++cut) {
    CollectingReporter reporter;
    auto page = ParsePage("p.evp", std::string_view(bytes).substr(0, cut), {}, &reporter);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->record_count(), 5u) << "cut at " << cut;
    EXPECT_EQ(page->valid_end, last_start);
    EXPECT_EQ(page->next_id(), 15u);
    if (cut == last_start) {
      EXPECT_TRUE(reporter.reports.empty());
      continue;
    }
    ASSERT_EQ(reporter.reports.size(), 1u) << "cut at " << cut;
    EXPECT_EQ(reporter.reports[0].file, "p.evp");
    EXPECT_EQ(reporter.reports[0].offset, last_start);
    EXPECT_EQ(reporter.reports[0].bytes, cut - last_start);
    EXPECT_NE(reporter.reports[0].reason.find("torn"), std::string::npos);
  }
}

TEST_F(PageReaderTest, CatchesEveryByteFlipInTheFileHeader) {
  const std::string bytes = WritePage(0, 3, true);
  for (std::size_t i = 0; i < kFileHeaderSize; ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x01);
    CollectingReporter reporter;
    EXPECT_TRUE(ParsePage("p", flipped, {}, &reporter).status().IsCorruption()) << i;
    ASSERT_EQ(reporter.reports.size(), 1u);
    EXPECT_EQ(reporter.reports[0].offset, 0u);
    // Continuing, the records are still read (their ids are in their headers).
    PageReadOptions options;
    options.continue_past_corruption = true;
    options.expected_first_id = 0;
    auto page = ParsePage("p", flipped, options, nullptr);
    ASSERT_TRUE(page.ok());
    ExpectRecords(flipped, *page, 0, 3);
  }
}

TEST_F(PageReaderTest, CatchesEveryByteFlipInARecordOfASealedPage) {
  const std::string bytes = WritePage(0, 5, true);
  auto whole = ParsePage("p", bytes, {}, nullptr);
  ASSERT_TRUE(whole.ok());
  const std::uint32_t begin = whole->offsets[2];
  const std::uint32_t end = whole->offsets[3];
  for (std::uint32_t i = begin; i < end; ++i) {  // header, body and padding
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x40);
    CollectingReporter reporter;
    auto strict = ParsePage("p", flipped, {}, &reporter);
    ASSERT_TRUE(strict.ok());
    EXPECT_EQ(strict->record_count(), 2u) << i;
    ASSERT_EQ(reporter.reports.size(), 1u) << i;
    EXPECT_EQ(reporter.reports[0].offset, begin);
    EXPECT_EQ(reporter.reports[0].bytes, end - begin);
    PageReadOptions options;
    options.continue_past_corruption = true;
    auto lenient = ParsePage("p", flipped, options, nullptr);
    ASSERT_TRUE(lenient.ok());
    ASSERT_EQ(lenient->record_count(), 5u);
    EXPECT_EQ(lenient->offsets[2], 0u);
    ExpectRecords(flipped, *lenient, 0, 5);
  }
}

// Found by page_reader_fuzz: a record with a valid CRC whose id lies far
// beyond the expected one sized the offset table to that id (length_error).
TEST_F(PageReaderTest, ReportsARecordWithAnImplausibleIdJumpPastCorruption) {
  std::string bytes;
  AppendFileHeader(0, &bytes);
  AppendRecord(SampleMeta(0), SampleBody(0), &bytes);
  AppendRecord(SampleMeta(std::uint64_t{1} << 40), SampleBody(1), &bytes);
  PageReadOptions options;
  options.continue_past_corruption = true;
  CollectingReporter reporter;
  auto page = ParsePage("p", bytes, options, &reporter);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->record_count(), 1u);
  EXPECT_FALSE(page->clean);
  EXPECT_FALSE(reporter.reports.empty());
  ExpectRecords(bytes, *page, 0, 1);
}

TEST_F(PageReaderTest, ResynchronisesAfterAFlipInAnUnsealedPage) {
  const std::string bytes = WritePage(0, 5, false);
  auto whole = ParsePage("p", bytes, {}, nullptr);
  ASSERT_TRUE(whole.ok());
  for (std::uint32_t i = whole->offsets[1]; i < whole->offsets[2]; ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x04);
    PageReadOptions options;
    options.continue_past_corruption = true;
    CollectingReporter reporter;
    auto page = ParsePage("p", flipped, options, &reporter);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->record_count(), 5u) << i;
    EXPECT_EQ(page->offsets[1], 0u);
    ASSERT_EQ(reporter.reports.size(), 1u);
    EXPECT_EQ(reporter.reports[0].offset, whole->offsets[1]);
    EXPECT_EQ(reporter.reports[0].bytes, whole->offsets[2] - whole->offsets[1]);
    ExpectRecords(flipped, *page, 0, 5);
  }
}

TEST_F(PageReaderTest, CatchesEveryByteFlipInTheFooter) {
  const std::string bytes = WritePage(0, 4, true);
  auto whole = ParsePage("p", bytes, {}, nullptr);
  ASSERT_TRUE(whole.ok());
  const std::uint64_t footer_start = whole->valid_end;
  for (std::size_t i = footer_start; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x08);
    CollectingReporter reporter;
    auto page = ParsePage("p", flipped, {}, &reporter);
    ASSERT_TRUE(page.ok());
    EXPECT_FALSE(page->sealed) << i;
    ExpectRecords(flipped, *page, 0, 4);  // records are intact
    ASSERT_EQ(reporter.reports.size(), 1u) << i;
    EXPECT_EQ(reporter.reports[0].offset, footer_start);
    EXPECT_EQ(reporter.reports[0].bytes, bytes.size() - footer_start);
  }
}

}  // namespace
}  // namespace evbus::persist
