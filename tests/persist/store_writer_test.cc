// StoreWriter: page rotation, checkpoint, LOCK, recovery, and durability
// under a file layer that loses everything not synced.
#include "persist/store_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>
#include <string>

#include "persist/page_codec.h"
#include "persist/store_paths.h"
#include "persist/store_recovery.h"
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

class StoreWriterTest : public ::testing::Test {
 protected:
  std::string dir() const { return dir_.path() + "/evbus"; }

  std::unique_ptr<StoreWriter> OpenWriter(StoreWriterOptions options = {}) {
    auto writer = StoreWriter::Open(dir(), options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    return writer.ok() ? std::move(*writer) : nullptr;
  }

  static void AppendRange(StoreWriter* writer, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t id = from; id < to; ++id) {
      ASSERT_TRUE(writer->Append(SampleMeta(id), SampleBody(id)).ok()) << id;
    }
  }

  static void ExpectDenseRecords(const std::vector<testing::StoredRecord>& records,
                                 std::uint64_t count) {
    ASSERT_EQ(records.size(), count);
    for (std::uint64_t id = 0; id < count; ++id) {
      ASSERT_EQ(records[id].meta.id, id);
      if (!records[id].meta.abandoned()) {
        ASSERT_EQ(records[id].body, SampleBody(id));
      }
    }
  }

  TempDir dir_;
};

TEST_F(StoreWriterTest, SealsPagesAtTheSizeBoundAndKeepsIdsDense) {
  StoreWriterOptions options;
  options.max_page_bytes = 4096;
  auto writer = OpenWriter(options);
  AppendRange(writer.get(), 0, 500);
  ASSERT_TRUE(writer->Close().ok());
  auto pages = ListPages(Env::Default(), PagesDir(dir()));
  ASSERT_TRUE(pages.ok());
  EXPECT_GT(pages->size(), 10u);
  for (const PageFile& page : *pages) {
    auto size = Env::Default()->FileSize(page.path);
    EXPECT_LE(*size, 4096u);
  }
  CollectingReporter reporter;
  ExpectDenseRecords(ReadStoreRecords(dir(), &reporter), 500);
  EXPECT_TRUE(reporter.reports.empty());
}

TEST_F(StoreWriterTest, SealsPagesAtTheCountBound) {
  StoreWriterOptions options;
  options.max_page_records = 10;
  auto writer = OpenWriter(options);
  AppendRange(writer.get(), 0, 35);
  ASSERT_TRUE(writer->Close().ok());
  auto pages = ListPages(Env::Default(), PagesDir(dir()));
  ASSERT_EQ(pages->size(), 4u);
  EXPECT_EQ((*pages)[3].first_id, 30u);
}

TEST_F(StoreWriterTest, CreatesDirectoriesAndFilesOwnerOnly) {
  auto writer = OpenWriter();
  AppendRange(writer.get(), 0, 1);
  ASSERT_TRUE(writer->Close().ok());
  struct stat st;
  ASSERT_EQ(::stat(PagesDir(dir()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat(CheckpointPath(dir()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(LockPath(dir()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(StoreWriterTest, RefusesASecondWriterNamingTheHoldersPid) {
  auto first = OpenWriter();
  auto second = StoreWriter::Open(dir(), {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kBusy);
  EXPECT_NE(second.status().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.status().message();
  first.reset();
  EXPECT_TRUE(StoreWriter::Open(dir(), {}).ok());
}

TEST_F(StoreWriterTest, ResumesAtTheNextIdAfterARestart) {
  {
    auto writer = OpenWriter();
    AppendRange(writer.get(), 0, 100);
    ASSERT_TRUE(writer->AppendAbandoned(100).ok());
  }
  auto writer = OpenWriter();
  EXPECT_EQ(writer->next_id(), 101u);
  EXPECT_EQ(writer->durable_next_id(), 101u);
  AppendRange(writer.get(), 101, 120);
  ASSERT_TRUE(writer->Close().ok());
  const auto records = ReadStoreRecords(dir());
  ExpectDenseRecords(records, 120);
  EXPECT_TRUE(records[100].meta.abandoned());
  EXPECT_TRUE(records[100].body.empty());
}

TEST_F(StoreWriterTest, RejectsAnAppendOutOfOrder) {
  auto writer = OpenWriter();
  EXPECT_TRUE(writer->Append(SampleMeta(1), "x").IsInvalidArgument());
}

TEST_F(StoreWriterTest, RecoversATornTailReportingItAndContinuesWithoutHoleOrDuplicate) {
  std::uint64_t last_start = 0;
  std::string page_path;
  {
    auto writer = OpenWriter();
    AppendRange(writer.get(), 0, 20);
    ASSERT_TRUE(writer->Close().ok());
  }
  auto pages = ListPages(Env::Default(), PagesDir(dir()));
  page_path = pages->back().path;
  std::string bytes;
  ASSERT_TRUE(Env::Default()->ReadFile(page_path, &bytes).ok());
  auto page = ParsePage(page_path, bytes, {}, nullptr);
  last_start = page->offsets.back();
  // Tear the last record, and make the checkpoint claim only 19 ids (as it
  // would have before the torn write was ever synced).
  ASSERT_EQ(::truncate(page_path.c_str(), static_cast<off_t>(last_start + 7)), 0);
  ASSERT_TRUE(
      Env::Default()
          ->WriteFileAtomic(CheckpointPath(dir()),
                            EncodeCheckpoint({19, 0, static_cast<std::uint32_t>(last_start)}), 0600)
          .ok());
  CollectingReporter reporter;
  StoreWriterOptions options;
  options.reporter = &reporter;
  auto writer = OpenWriter(options);
  ASSERT_EQ(reporter.reports.size(), 1u);
  EXPECT_EQ(reporter.reports[0].file, page_path);
  EXPECT_EQ(reporter.reports[0].offset, last_start);
  EXPECT_EQ(reporter.reports[0].bytes, 7u);
  EXPECT_EQ(writer->next_id(), 19u);
  EXPECT_EQ(writer->recovery_bytes_dropped(), 7u);
  AppendRange(writer.get(), 19, 30);
  ASSERT_TRUE(writer->Close().ok());
  ExpectDenseRecords(ReadStoreRecords(dir()), 30);
}

TEST_F(StoreWriterTest, RefusesToStartWhenAcknowledgedEventsAreMissing) {
  {
    auto writer = OpenWriter();
    AppendRange(writer.get(), 0, 20);
  }
  auto pages = ListPages(Env::Default(), PagesDir(dir()));
  std::string bytes;
  ASSERT_TRUE(Env::Default()->ReadFile(pages->back().path, &bytes).ok());
  auto page = ParsePage("p", bytes, {}, nullptr);
  // Damage record 5: the checkpoint says 20 ids are durable.
  bytes[page->offsets[5] + 50] ^= 1;
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(pages->back().path, bytes, 0600).ok());
  auto writer = StoreWriter::Open(dir(), {});
  ASSERT_FALSE(writer.ok());
  EXPECT_TRUE(writer.status().IsCorruption());
  EXPECT_NE(writer.status().message().find("offset " + std::to_string(page->offsets[5])),
            std::string::npos)
      << writer.status().message();
  // Nothing was cut.
  std::string after;
  ASSERT_TRUE(Env::Default()->ReadFile(pages->back().path, &after).ok());
  EXPECT_EQ(after, bytes);
}

TEST_F(StoreWriterTest, GroupCommitSyncsWithinTheInterval) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kGroup;
  options.group_commit_interval = std::chrono::milliseconds(2);
  options.checkpoint_interval = std::chrono::nanoseconds(0);  // a CHECKPOINT after every sync
  auto writer = OpenWriter(options);
  AppendRange(writer.get(), 0, 3);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (writer->durable_next_id() < 3 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(writer->MaybeSync().ok());
  }
  EXPECT_EQ(writer->durable_next_id(), 3u);
  auto checkpoint = ReadCheckpoint(Env::Default(), dir(), nullptr);
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(checkpoint->durable_next_id, 3u);
}

TEST_F(StoreWriterTest, EveryEventPolicyAcknowledgesEachAppend) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kEveryEvent;
  auto writer = OpenWriter(options);
  for (std::uint64_t id = 0; id < 5; ++id) {
    ASSERT_TRUE(writer->Append(SampleMeta(id), SampleBody(id)).ok());
    EXPECT_EQ(writer->durable_next_id(), id + 1);
  }
}

TEST_F(StoreWriterTest, ParsesAndNamesSyncPolicies) {
  for (auto p :
       {SyncPolicy::kEveryEvent, SyncPolicy::kGroup, SyncPolicy::kPerPage, SyncPolicy::kNever}) {
    auto parsed = ParseSyncPolicy(SyncPolicyName(p));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, p);
  }
  EXPECT_TRUE(ParseSyncPolicy("sometimes").status().IsInvalidArgument());
}

// A power cut at random moments under every policy: whatever durable_next_id()
// acknowledged is still there after recovery, dense and intact.
TEST_F(StoreWriterTest, LosesNothingAcknowledgedWhenUnsyncedDataIsDropped) {
  std::mt19937_64 rng(12345);
  FaultInjectionEnv env;
  std::uint64_t next = 0;
  for (int round = 0; round < 40; ++round) {
    StoreWriterOptions options;
    options.env = &env;
    options.max_page_bytes = 4096 + (rng() % 3) * 2048;
    options.sync_policy = static_cast<SyncPolicy>(rng() % 4);
    options.group_commit_interval = std::chrono::microseconds(rng() % 300);
    auto writer = OpenWriter(options);
    ASSERT_NE(writer, nullptr) << "round " << round;
    ASSERT_GE(writer->next_id(), next) << "round " << round;
    next = writer->next_id();
    const std::uint64_t count = rng() % 60;
    for (std::uint64_t i = 0; i < count; ++i, ++next) {
      ASSERT_TRUE(writer->Append(SampleMeta(next), SampleBody(next)).ok());
      if (rng() % 16 == 0) {
        ASSERT_TRUE(writer->Sync().ok());
      }
    }
    const std::uint64_t acknowledged = writer->durable_next_id();
    env.Crash();
    writer.reset();
    env.DropUnsyncedData();
    auto reopened = OpenWriter(StoreWriterOptions{.env = &env});
    ASSERT_NE(reopened, nullptr);
    ASSERT_GE(reopened->next_id(), acknowledged) << "round " << round;
    next = reopened->next_id();
    reopened.reset();
    ExpectDenseRecords(ReadStoreRecords(dir()), next);
  }
}

}  // namespace
}  // namespace evbus::persist

namespace evbus::persist {
namespace {

TEST_F(StoreWriterTest, CheckpointIntervalLetsTheCheckpointLagButNeverLead) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kEveryEvent;
  options.checkpoint_interval = std::chrono::hours(1);
  auto writer = OpenWriter(options);
  AppendRange(writer.get(), 0, 10);
  EXPECT_EQ(writer->durable_next_id(), 10u);  // fsynced: acknowledged
  auto checkpoint = ReadCheckpoint(Env::Default(), dir(), nullptr);
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_LT(checkpoint->durable_next_id, 10u);  // not rewritten within the hour
  ASSERT_TRUE(writer->Close().ok());
  checkpoint = ReadCheckpoint(Env::Default(), dir(), nullptr);
  EXPECT_EQ(checkpoint->durable_next_id, 10u);  // Close always writes it
}

// The default lets the checkpoint lag the group commits; once the interval
// has passed, an idle MaybeSync() brings it up to what is durable.
TEST_F(StoreWriterTest, LaggingCheckpointCatchesUpWhenIdleAfterTheInterval) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kGroup;
  options.checkpoint_interval = std::chrono::milliseconds(100);
  auto writer = OpenWriter(options);
  AppendRange(writer.get(), 0, 5);
  ASSERT_TRUE(writer->Sync().ok());
  EXPECT_EQ(writer->durable_next_id(), 5u);
  auto checkpoint = ReadCheckpoint(Env::Default(), dir(), nullptr);
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_LE(checkpoint->durable_next_id, 5u);  // never ahead (usually 0: not due yet)
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(writer->MaybeSync().ok());
    checkpoint = ReadCheckpoint(Env::Default(), dir(), nullptr);
    if (checkpoint && checkpoint->durable_next_id == 5u) break;
  }
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(checkpoint->durable_next_id, 5u);
  EXPECT_EQ(checkpoint->page_first_id, 0u);
}

// A sealed page is acknowledged without waiting for a CHECKPOINT; a power cut
// right after it loses nothing, though the checkpoint still names page 0.
TEST_F(StoreWriterTest, SealedPagesAreAcknowledgedBeforeTheCheckpointCatchesUp) {
  FaultInjectionEnv env;
  StoreWriterOptions options;
  options.env = &env;
  options.sync_policy = SyncPolicy::kPerPage;
  options.max_page_bytes = 4096;
  options.checkpoint_interval = std::chrono::hours(1);
  auto writer = OpenWriter(options);
  AppendRange(writer.get(), 0, 60);  // pages sealed
  // The last seal finishes in the background; MaybeSync() acknowledges it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (writer->durable_next_id() == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_TRUE(writer->MaybeSync().ok());
  }
  const std::uint64_t acknowledged = writer->durable_next_id();
  ASSERT_GT(acknowledged, 0u);
  auto checkpoint = ReadCheckpoint(&env, dir(), nullptr);
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(checkpoint->durable_next_id, 0u);
  env.Crash();
  writer.reset();
  env.DropUnsyncedData();
  auto reopened = OpenWriter(StoreWriterOptions{.env = &env});
  ASSERT_NE(reopened, nullptr);
  EXPECT_GE(reopened->next_id(), acknowledged);
  const std::uint64_t next = reopened->next_id();
  reopened.reset();
  ExpectDenseRecords(ReadStoreRecords(dir()), next);
}

}  // namespace
}  // namespace evbus::persist
