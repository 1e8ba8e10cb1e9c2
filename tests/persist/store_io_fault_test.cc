// The store's files under injected I/O failures: the CHECKPOINT, the page
// files and the LOCK each go through the Env, so a failed fsync, fchmod,
// close, rename, open or lock reaches the writer, which reports it (naming
// the file and the step) and loses nothing it already acknowledged.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "persist/openhands_layout.h"
#include "persist/page_codec.h"
#include "persist/store.h"
#include "persist/store_paths.h"
#include "persist/store_recovery.h"
#include "persist/store_writer.h"
#include "tests/persist/fault_injection_env.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::FaultInjectionEnv;
using testing::FaultOp;
using testing::ReadStoreRecords;
using testing::SampleBody;
using testing::SampleMeta;
using testing::TempDir;

class StoreIoFaultTest : public ::testing::Test {
 protected:
  std::string dir() const { return dir_.path() + "/evbus"; }

  std::unique_ptr<StoreWriter> OpenWriter(StoreWriterOptions options) {
    options.env = &env_;
    auto writer = StoreWriter::Open(dir(), options);
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    return writer.ok() ? std::move(*writer) : nullptr;
  }

  static void AppendRange(StoreWriter* writer, std::uint64_t from, std::uint64_t to) {
    for (std::uint64_t id = from; id < to; ++id) {
      ASSERT_TRUE(writer->Append(SampleMeta(id), SampleBody(id)).ok()) << id;
    }
  }

  // Every id below `count` is in the pages once, in order, with its body.
  void ExpectDense(std::uint64_t count) const {
    const std::vector<testing::StoredRecord> records = ReadStoreRecords(dir());
    ASSERT_EQ(records.size(), count);
    for (std::uint64_t id = 0; id < count; ++id) {
      ASSERT_EQ(records[id].meta.id, id);
      ASSERT_EQ(records[id].body, SampleBody(id));
    }
  }

  TempDir dir_;
  FaultInjectionEnv env_;
};

struct CheckpointFault {
  FaultOp op;
  const char* step;  // what the message says failed
};
void PrintTo(const CheckpointFault& f, std::ostream* os) { *os << testing::FaultOpName(f.op); }

class CheckpointFaultTest : public StoreIoFaultTest,
                            public ::testing::WithParamInterface<CheckpointFault> {};

// A CHECKPOINT that cannot be written is reported, naming the file and the
// step; the old one stays whole (no temporary file left beside it), the
// records it does not cover are durable anyway, and the next sync writes it.
TEST_P(CheckpointFaultTest, FailedCheckpointWriteIsReportedAndKeepsTheOldOne) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kPerPage;
  options.checkpoint_interval = std::chrono::nanoseconds(0);
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  AppendRange(writer.get(), 0, 10);
  ASSERT_TRUE(writer->Sync().ok());
  ASSERT_EQ(ReadCheckpoint(&env_, dir(), nullptr)->durable_next_id, 10u);

  AppendRange(writer.get(), 10, 20);
  env_.FailNext(GetParam().op, "/CHECKPOINT");
  const Status s = writer->Sync();
  ASSERT_FALSE(s.ok()) << "the injected failure was not seen";
  EXPECT_EQ(env_.injected(), 1);
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("CHECKPOINT"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(GetParam().step), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("old checkpoint"), std::string::npos) << s.message();
  const auto old = ReadCheckpoint(&env_, dir(), nullptr);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->durable_next_id, 10u);
  EXPECT_FALSE(env_.FileExists(CheckpointPath(dir()) + ".tmp"));
  EXPECT_EQ(writer->durable_next_id(), 20u);  // the pages were synced first

  ASSERT_TRUE(writer->Sync().ok());  // the next sync writes it
  EXPECT_EQ(ReadCheckpoint(&env_, dir(), nullptr)->durable_next_id, 20u);
  ASSERT_TRUE(writer->Close().ok());
  writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->next_id(), 20u);
  writer.reset();
  ExpectDense(20);
}

INSTANTIATE_TEST_SUITE_P(EveryStep, CheckpointFaultTest,
                         ::testing::Values(CheckpointFault{FaultOp::kCreate, "cannot create"},
                                           CheckpointFault{FaultOp::kSetMode,
                                                           "cannot set the mode"},
                                           CheckpointFault{FaultOp::kSync, "cannot sync"},
                                           CheckpointFault{FaultOp::kClose, "cannot close"},
                                           CheckpointFault{FaultOp::kRename, "cannot rename"}),
                         [](const ::testing::TestParamInfo<CheckpointFault>& info) {
                           return std::string(testing::FaultOpName(info.param.op));
                         });

// The next page is the spare renamed to its name, then opened. When the open
// fails the append reports it and the next append uses the renamed file
// (before: every later append failed with AlreadyExists, for good).
TEST_F(StoreIoFaultTest, FailedOpenOfTheRenamedSpareIsRetriedByTheNextAppend) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kPerPage;
  options.max_page_records = 10;
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  AppendRange(writer.get(), 0, 15);  // page 0 sealed, page 10 created
  ASSERT_TRUE(writer->Sync().ok());  // the seal's job made the spare
  ASSERT_TRUE(env_.FileExists(SparePagePath(dir())));
  AppendRange(writer.get(), 15, 20);

  env_.FailNext(FaultOp::kOpen, PageFileName(20));
  const Status failed = writer->Append(SampleMeta(20), SampleBody(20));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(env_.injected(), 1);
  EXPECT_EQ(failed.code(), Status::Code::kIOError) << failed.ToString();
  EXPECT_NE(failed.message().find(PageFileName(20)), std::string::npos) << failed.message();

  const Status retried = writer->Append(SampleMeta(20), SampleBody(20));
  ASSERT_TRUE(retried.ok()) << retried.ToString();
  AppendRange(writer.get(), 21, 35);
  ASSERT_TRUE(writer->Close().ok());
  ExpectDense(35);
}

// A failed fsync of a page stops the writer with a clear error; what was
// acknowledged before stays, and a restart recovers it.
TEST_F(StoreIoFaultTest, FailedPageSyncStopsTheWriterAndKeepsWhatWasAcknowledged) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kPerPage;
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  AppendRange(writer.get(), 0, 10);
  ASSERT_TRUE(writer->Sync().ok());
  AppendRange(writer.get(), 10, 15);
  env_.FailNext(FaultOp::kSync, ".evp");
  const Status s = writer->Sync();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(env_.injected(), 1);
  EXPECT_NE(s.message().find("cannot sync"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("restart the persister"), std::string::npos) << s.message();
  EXPECT_EQ(writer->durable_next_id(), 10u);
  EXPECT_FALSE(writer->Append(SampleMeta(15), SampleBody(15)).ok());  // stopped for good
  EXPECT_FALSE(writer->Close().ok());
  writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  EXPECT_GE(writer->next_id(), 10u);
  writer.reset();
  ExpectDense(15);  // the kernel kept the bytes here; recovery found them whole
}

// A sealed page whose close fails: the seal job reports it and the writer
// stops; every id acknowledged before is in the store after a restart.
TEST_F(StoreIoFaultTest, FailedCloseOfASealedPageIsReported) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kPerPage;
  options.max_page_records = 10;
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  AppendRange(writer.get(), 0, 5);
  ASSERT_TRUE(writer->Sync().ok());
  env_.FailNext(FaultOp::kClose, PageFileName(0));
  AppendRange(writer.get(), 5, 11);  // id 10 seals page 0: its job closes it
  const Status s = writer->Sync();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(env_.injected(), 1);
  EXPECT_NE(s.message().find("cannot close"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(PageFileName(0)), std::string::npos) << s.message();
  EXPECT_EQ(writer->durable_next_id(), 5u);
  (void)writer->Close();
  writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  EXPECT_GE(writer->next_id(), 5u);
}

// Recovery makes the newest page's unsynced tail durable through a handle of
// its own; a failed close of that handle fails the open, naming the page
// (before: the handle was closed by its destructor and the error lost).
TEST_F(StoreIoFaultTest, RecoveryReportsAFailedCloseOfThePageItSynced) {
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kNever;
  auto writer = OpenWriter(options);
  ASSERT_NE(writer, nullptr);
  AppendRange(writer.get(), 0, 8);
  ASSERT_TRUE(writer->Close().ok());
  env_.FailNext(FaultOp::kClose, PageFileName(0));
  options.env = &env_;
  auto refused = StoreWriter::Open(dir(), options);
  ASSERT_FALSE(refused.ok()) << "the injected failure was not seen";
  EXPECT_EQ(env_.injected(), 1);
  EXPECT_NE(refused.status().message().find("cannot close"), std::string::npos)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find(PageFileName(0)), std::string::npos)
      << refused.status().ToString();
  writer = OpenWriter(options);  // the next open recovers as usual
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->next_id(), 8u);
  writer.reset();
  ExpectDense(8);
}

// The LOCK goes through the Env too: a lock, pid write or release that
// fails is reported, naming the LOCK file.
TEST_F(StoreIoFaultTest, LockFileFailuresAreReported) {
  StoreWriterOptions options;
  options.env = &env_;
  env_.FailNext(FaultOp::kLock, "/LOCK");
  auto refused = StoreWriter::Open(dir(), options);
  ASSERT_FALSE(refused.ok()) << "the injected lock failure was not seen";
  EXPECT_NE(refused.status().message().find(LockPath(dir())), std::string::npos)
      << refused.status().ToString();

  env_.FailNext(FaultOp::kWriteContents, "/LOCK");
  refused = StoreWriter::Open(dir(), options);
  ASSERT_FALSE(refused.ok()) << "the injected pid write failure was not seen";
  EXPECT_NE(refused.status().message().find("cannot write"), std::string::npos)
      << refused.status().ToString();

  auto writer = OpenWriter(options);  // the failed opens left the LOCK free
  ASSERT_NE(writer, nullptr);
  AppendRange(writer.get(), 0, 3);
  env_.FailNext(FaultOp::kClose, "/LOCK");
  const Status closed = writer->Close();
  ASSERT_FALSE(closed.ok()) << "the injected release failure was not seen";
  EXPECT_NE(closed.message().find("/LOCK"), std::string::npos) << closed.message();
  writer = OpenWriter(options);  // released all the same: close(2) frees the descriptor
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->next_id(), 3u);
}

// The OpenHands export goes through the Env: a file whose write, close or
// rename fails is reported by name, keeps what it held, and leaves no
// temporary file behind.
TEST_F(StoreIoFaultTest, FailedExportWriteIsReportedAndKeepsTheFileWhole) {
  auto writer = OpenWriter(StoreWriterOptions{});
  ASSERT_NE(writer, nullptr);
  AppendRange(writer.get(), 0, 30);
  ASSERT_TRUE(writer->Close().ok());
  auto store = Store::OpenDir(dir());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string out = dir_.path() + "/export";
  auto exported = ExportOpenHandsDir(**store, out, kOpenHandsCachePageSize, {}, &env_);
  ASSERT_TRUE(exported.ok()) << exported.status().ToString();
  EXPECT_EQ(exported->events, 30u);
  EXPECT_EQ(exported->cache_pages, 1u);

  // A failed rename of events/3.json (the target matched), then a failed
  // close of the temporary file, which fails the first file, events/0.json.
  struct Case {
    FaultOp op;
    std::string match;
    std::string file;
    const char* step;
  };
  for (const Case& c :
       {Case{FaultOp::kRename, "/events/3.json", out + "/events/3.json", "cannot rename"},
        Case{FaultOp::kClose, ".evbus-export.tmp", out + "/events/0.json", "cannot close"}}) {
    ASSERT_TRUE(Env::Default()->RemoveFile(c.file).ok());
    ASSERT_TRUE(Env::Default()->WriteFileAtomic(c.file, "what it held", 0600).ok());
    const int injected = env_.injected();
    env_.FailNext(c.op, c.match);
    auto failed = ExportOpenHandsDir(**store, out, kOpenHandsCachePageSize, {}, &env_);
    ASSERT_FALSE(failed.ok()) << "the injected failure was not seen";
    EXPECT_EQ(env_.injected(), injected + 1);
    const Status& s = failed.status();
    EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
    EXPECT_NE(s.message().find(c.step), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("cannot export '" + c.file + "'"), std::string::npos) << s.message();
    std::string held;
    ASSERT_TRUE(Env::Default()->ReadFile(c.file, &held).ok());
    EXPECT_EQ(held, "what it held");
    EXPECT_FALSE(env_.FileExists(out + "/.evbus-export.tmp"));
  }
}

}  // namespace
}  // namespace evbus::persist
