// Recovery of a seal that was not durable (store_recovery.h, rule 4): the
// store writer syncs a page's footer together with the next page, so after a
// power cut the page before the newest may have lost its footer, or its last
// records too.
#include <gtest/gtest.h>

#include <string>

#include "persist/page_codec.h"
#include "persist/store_paths.h"
#include "persist/store_writer.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::CollectingReporter;
using testing::ReadStoreRecords;
using testing::SampleBody;
using testing::SampleMeta;
using testing::TempDir;

constexpr std::uint64_t kEvents = 120;

class SealRecoveryTest : public ::testing::Test {
 protected:
  std::string dir() const { return dir_.path() + "/evbus"; }

  // kEvents events over several 4 KiB pages; returns the pages.
  std::vector<PageFile> WriteStore() {
    StoreWriterOptions options;
    options.max_page_bytes = 4096;
    auto writer = StoreWriter::Open(dir(), options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    for (std::uint64_t id = 0; id < kEvents; ++id) {
      EXPECT_TRUE((*writer)->Append(SampleMeta(id), SampleBody(id)).ok());
    }
    EXPECT_TRUE((*writer)->Close().ok());
    auto pages = ListPages(Env::Default(), PagesDir(dir()));
    EXPECT_TRUE(pages.ok());
    EXPECT_GE(pages->size(), 3u);
    return *pages;
  }

  // Cuts the page before the newest inside its records, at the record of `id`
  // plus a few bytes (a torn tail); returns its file.
  PageFile CutPageBeforeNewest(const std::vector<PageFile>& pages, std::uint64_t* cut_id) {
    const PageFile& file = pages[pages.size() - 2];
    std::string bytes;
    EXPECT_TRUE(Env::Default()->ReadFile(file.path, &bytes).ok());
    auto page = ParsePage(file.path, bytes, {}, nullptr);
    EXPECT_TRUE(page.ok() && page->sealed);
    const std::size_t keep = page->offsets.size() / 2;
    *cut_id = file.first_id + keep;
    EXPECT_TRUE(Env::Default()->Truncate(file.path, page->offsets[keep] + 5).ok());
    return file;
  }

  static void ExpectDense(const std::vector<testing::StoredRecord>& records, std::uint64_t count) {
    ASSERT_EQ(records.size(), count);
    for (std::uint64_t id = 0; id < count; ++id) {
      ASSERT_EQ(records[id].meta.id, id);
      ASSERT_EQ(records[id].body, SampleBody(id));
    }
  }

  TempDir dir_;
};

TEST_F(SealRecoveryTest, WritesAgainTheFooterOfAPageWhoseSealWasNotDurable) {
  const std::vector<PageFile> pages = WriteStore();
  const PageFile& file = pages[pages.size() - 2];
  const std::uint64_t size = Env::Default()->FileSize(file.path).value();
  ASSERT_TRUE(Env::Default()->Truncate(file.path, size - 10).ok());  // the footer torn

  CollectingReporter reporter;
  auto writer = StoreWriter::Open(dir(), StoreWriterOptions{.reporter = &reporter});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ((*writer)->next_id(), kEvents);  // every record kept, the newest page too
  ASSERT_EQ(reporter.reports.size(), 1u);
  EXPECT_EQ(reporter.reports[0].file, file.path);
  ASSERT_TRUE((*writer)->Close().ok());
  std::string bytes;
  ASSERT_TRUE(Env::Default()->ReadFile(file.path, &bytes).ok());
  auto page = ParsePage(file.path, bytes, {}, nullptr);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->sealed);
  EXPECT_EQ(page->next_id(), pages.back().first_id);
  ExpectDense(ReadStoreRecords(dir()), kEvents);
}

TEST_F(SealRecoveryTest, RemovesTheNewestPageWhenThePageBeforeItLostItsTail) {
  const std::vector<PageFile> pages = WriteStore();
  std::uint64_t cut_id = 0;
  CutPageBeforeNewest(pages, &cut_id);
  // As after a power cut that lost the seal: no checkpoint promised those ids.
  ASSERT_TRUE(Env::Default()->RemoveFile(CheckpointPath(dir())).ok());

  CollectingReporter reporter;
  auto writer = StoreWriter::Open(dir(), StoreWriterOptions{.reporter = &reporter});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_EQ((*writer)->next_id(), cut_id);
  EXPECT_FALSE(Env::Default()->FileExists(pages.back().path));
  bool reported_newest = false;
  for (const auto& report : reporter.reports) reported_newest |= report.file == pages.back().path;
  EXPECT_TRUE(reported_newest);
  for (std::uint64_t id = cut_id; id < kEvents; ++id) {
    ASSERT_TRUE((*writer)->Append(SampleMeta(id), SampleBody(id)).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
  ExpectDense(ReadStoreRecords(dir()), kEvents);  // no hole, no duplicate
}

TEST_F(SealRecoveryTest, RefusesToCutRecordsBeforeTheNewestPageThatTheCheckpointAcknowledged) {
  const std::vector<PageFile> pages = WriteStore();
  std::uint64_t cut_id = 0;
  const PageFile file = CutPageBeforeNewest(pages, &cut_id);
  auto writer = StoreWriter::Open(dir(), StoreWriterOptions{});
  ASSERT_FALSE(writer.ok());
  EXPECT_TRUE(writer.status().IsCorruption()) << writer.status().ToString();
  EXPECT_NE(writer.status().message().find(file.path), std::string::npos);
  EXPECT_TRUE(Env::Default()->FileExists(pages.back().path));  // nothing removed
}

}  // namespace
}  // namespace evbus::persist
