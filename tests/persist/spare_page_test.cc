// The spare page file (pages/SPARE): made ahead of time, written as the next
// page while the page before it is sealed, renamed once that seal is durable;
// ignored by readers and removed by recovery, with no hole or duplicate.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "persist/page_writer.h"
#include "persist/store_paths.h"
#include "persist/store_writer.h"
#include "tests/persist/fault_injection_env.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::CollectingReporter;
using testing::FaultInjectionEnv;
using testing::ReadStoreRecords;
using testing::SampleBody;
using testing::SampleMeta;
using testing::TempDir;

// A power cut right after the spare is renamed to the next page's name,
// before anything else reaches the disk: the new page and the seal of the
// page before it are lost. (Other renames, such as the CHECKPOINT's inside
// WriteFileAtomic, go on.)
class CrashAtRenameEnv : public FaultInjectionEnv {
 public:
  Status RenameFile(const std::string& from, const std::string& to) override {
    Status s = FaultInjectionEnv::RenameFile(from, to);
    if (from.size() < 6 || from.compare(from.size() - 6, 6, "/SPARE") != 0) return s;
    renamed_to = to;
    Crash();
    return s;
  }
  std::string renamed_to;
};

class SparePageTest : public ::testing::Test {
 protected:
  std::string dir() const { return dir_.path() + "/evbus"; }
  std::string spare() const { return SparePagePath(dir()); }

  std::unique_ptr<StoreWriter> OpenWriter(StoreWriterOptions options = {}) {
    auto writer = StoreWriter::Open(dir(), options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    return writer.ok() ? std::move(*writer) : nullptr;
  }

  static void ExpectDense(const std::vector<testing::StoredRecord>& records, std::uint64_t count) {
    ASSERT_EQ(records.size(), count);
    for (std::uint64_t id = 0; id < count; ++id) {
      ASSERT_EQ(records[id].meta.id, id);
      ASSERT_EQ(records[id].body, SampleBody(id));
    }
  }

  // What a kill -9 during a seal leaves: the next page's records in the spare.
  void WriteUnnamedPageIntoSpare(std::uint64_t first_id, std::uint64_t count) {
    auto page = PageWriter::Create(Env::Default(), spare(), first_id);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (std::uint64_t id = first_id; id < first_id + count; ++id) {
      ASSERT_TRUE((*page)->Append(SampleMeta(id), SampleBody(id)).ok());
    }
    ASSERT_TRUE((*page)->Sync().ok());
    ASSERT_TRUE((*page)->Close().ok());
  }

  TempDir dir_;
};

TEST_F(SparePageTest, KeepsAnEmptySpareReadyWhileOpenAndRemovesItOnClose) {
  StoreWriterOptions options;
  options.max_page_bytes = 4096;
  auto writer = OpenWriter(options);
  for (std::uint64_t id = 0; id < 200; ++id) {
    ASSERT_TRUE(writer->Append(SampleMeta(id), SampleBody(id)).ok());
  }
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->durable_next_id(), 200u);
  auto size = Env::Default()->FileSize(spare());
  ASSERT_TRUE(size.ok()) << "no spare after pages were sealed: " << size.status().ToString();
  EXPECT_EQ(*size, 0u);
  auto pages = ListPages(Env::Default(), PagesDir(dir()));
  ASSERT_TRUE(pages.ok());
  EXPECT_GT(pages->size(), 3u);  // the spare is not listed as a page
  ExpectDense(ReadStoreRecords(dir()), 200);
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_FALSE(Env::Default()->FileExists(spare()));
}

TEST_F(SparePageTest, RecoveryRemovesASpareHoldingAnUnnamedPageAndReportsIt) {
  auto writer = OpenWriter();
  for (std::uint64_t id = 0; id < 30; ++id) {
    ASSERT_TRUE(writer->Append(SampleMeta(id), SampleBody(id)).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  WriteUnnamedPageIntoSpare(30, 10);
  const std::uint64_t spare_size = Env::Default()->FileSize(spare()).value();

  CollectingReporter reporter;
  writer = OpenWriter(StoreWriterOptions{.reporter = &reporter});
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->next_id(), 30u);  // its records were never acknowledged
  EXPECT_EQ(writer->recovery_bytes_dropped(), spare_size);
  ASSERT_EQ(reporter.reports.size(), 1u);
  EXPECT_EQ(reporter.reports[0].file, spare());
  EXPECT_EQ(reporter.reports[0].bytes, spare_size);
  EXPECT_FALSE(Env::Default()->FileExists(spare()));
  for (std::uint64_t id = 30; id < 50; ++id) {
    ASSERT_TRUE(writer->Append(SampleMeta(id), SampleBody(id)).ok());
  }
  ASSERT_TRUE(writer->Close().ok());
  ExpectDense(ReadStoreRecords(dir()), 50);  // no hole, no duplicate
}

TEST_F(SparePageTest, RecoveryRemovesAnEmptySpareWithoutAReport) {
  auto writer = OpenWriter();
  ASSERT_TRUE(writer->Append(SampleMeta(0), SampleBody(0)).ok());
  ASSERT_TRUE(writer->Close().ok());
  ASSERT_TRUE(Env::Default()->NewAppendableFile(spare(), kOwnerOnlyFileMode).ok());
  CollectingReporter reporter;
  writer = OpenWriter(StoreWriterOptions{.reporter = &reporter});
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->next_id(), 1u);
  EXPECT_TRUE(reporter.reports.empty());
  EXPECT_FALSE(Env::Default()->FileExists(spare()));
}

// The spare was renamed to the next page's name, then the power went: the
// new page is gone, the page before it may have lost its footer, and
// recovery resumes after what was acknowledged, with no hole.
TEST_F(SparePageTest, APowerCutRightAfterTheSpareBecomesAPageLosesNothingAcknowledged) {
  CrashAtRenameEnv env;
  StoreWriterOptions options;
  options.env = &env;
  options.max_page_bytes = 4096;
  options.sync_policy = SyncPolicy::kPerPage;
  auto writer = OpenWriter(options);
  std::uint64_t id = 0;
  // The first seal creates the next page's file and a job makes a spare; the
  // second seal renames the spare: the crash.
  for (; id < 400; ++id) {
    if (!writer->Append(SampleMeta(id), SampleBody(id)).ok()) break;
  }
  (void)writer->Sync();
  const std::uint64_t acknowledged = writer->durable_next_id();
  ASSERT_FALSE(env.renamed_to.empty()) << "no page was made from the spare";
  ASSERT_GT(acknowledged, 0u);
  ASSERT_LT(acknowledged, id);
  writer.reset();
  env.DropUnsyncedData();
  EXPECT_FALSE(env.FileExists(env.renamed_to));  // neither its creation nor its rename was synced

  CollectingReporter reporter;
  auto reopened = OpenWriter(StoreWriterOptions{.reporter = &reporter});
  ASSERT_NE(reopened, nullptr);
  EXPECT_GE(reopened->next_id(), acknowledged);
  EXPECT_FALSE(Env::Default()->FileExists(spare()));
  const std::uint64_t next = reopened->next_id();
  for (std::uint64_t more = next; more < next + 100; ++more) {
    ASSERT_TRUE(reopened->Append(SampleMeta(more), SampleBody(more)).ok());
  }
  ASSERT_TRUE(reopened->Close().ok());
  ExpectDense(ReadStoreRecords(dir()), next + 100);
}

// Power cuts at random moments of a writer that rotates pages all the time,
// so that some land while a seal (and the spare's rename) is in flight.
TEST_F(SparePageTest, PowerCutsDuringPageRotationLoseNothingAcknowledged) {
  std::mt19937_64 rng(4242);
  FaultInjectionEnv env;
  std::uint64_t next = 0;
  for (int round = 0; round < 30; ++round) {
    StoreWriterOptions options;
    options.env = &env;
    options.max_page_bytes = 4096;
    constexpr SyncPolicy kPolicies[] = {SyncPolicy::kGroup, SyncPolicy::kPerPage,
                                        SyncPolicy::kEveryEvent};
    options.sync_policy = kPolicies[rng() % 3];
    options.group_commit_interval = std::chrono::microseconds(rng() % 200);
    auto writer = OpenWriter(options);
    ASSERT_NE(writer, nullptr) << "round " << round;
    ASSERT_GE(writer->next_id(), next) << "round " << round;
    next = writer->next_id();
    const std::uint64_t count = 50 + rng() % 250;
    for (std::uint64_t i = 0; i < count; ++i, ++next) {
      ASSERT_TRUE(writer->Append(SampleMeta(next), SampleBody(next)).ok()) << "round " << round;
      (void)writer->MaybeSync();
    }
    const std::uint64_t acknowledged = writer->durable_next_id();
    env.Crash();  // a seal job may be between two file operations
    writer.reset();
    env.DropUnsyncedData();
    auto reopened = OpenWriter(StoreWriterOptions{.env = &env});
    ASSERT_NE(reopened, nullptr) << "round " << round;
    ASSERT_GE(reopened->next_id(), acknowledged) << "round " << round;
    ASSERT_FALSE(env.FileExists(spare())) << "round " << round;
    next = reopened->next_id();
    reopened.reset();
    ExpectDense(ReadStoreRecords(dir()), next);
  }
}

}  // namespace
}  // namespace evbus::persist
