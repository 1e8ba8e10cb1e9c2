// The stream's own files under injected I/O failures: the secrets file and
// the metrics file go through the Env given in EventStreamOptions, so a
// failed create, fchmod, fsync, ftruncate, mmap, close, rename or remove
// reaches the stream, which reports it (naming the file and the step) and
// keeps what was in force before; Close() returns what failed.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "stream/event_stream.h"
#include "stream/metrics_reader.h"
#include "stream/metrics_region.h"
#include "stream/shared_secrets.h"
#include "tests/persist/fault_injection_env.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

using persist::testing::FaultInjectionEnv;
using persist::testing::FaultOp;
using testing::NullObservation;
using testing::UniqueSession;

struct FileFault {
  FaultOp op;
  const char* step;  // what the message says failed
};

void PrintTo(const FileFault& f, std::ostream* os) { *os << persist::testing::FaultOpName(f.op); }

std::string StepName(const ::testing::TestParamInfo<FileFault>& info) {
  return persist::testing::FaultOpName(info.param.op);
}

class StreamFilesFaultTest : public ::testing::Test {
 protected:
  void TearDown() override {
    stream_.reset();
    testing::DestroyStream(sid_);
    // A metrics file a failed removal left (evbus inspect removes such files
    // once their process is gone; this one is alive).
    const std::string prefix = "evbus-metrics." + sid_ + ".";
    auto names = Env::Default()->ListDir("/dev/shm");
    if (!names.ok()) return;
    for (const std::string& name : *names) {
      if (name.rfind(prefix, 0) == 0) (void)Env::Default()->RemoveFile("/dev/shm/" + name);
    }
  }

  EventStreamOptions Options() {
    EventStreamOptions options;
    options.store_root = root_.path();
    options.env = &env_;
    options.log = [](const std::string&) {};
    return options;
  }

  void Open() {
    auto stream = EventStream::Open(sid_, Options());
    ASSERT_TRUE(stream.ok()) << stream.status().ToString();
    stream_ = std::move(*stream);
  }

  // What the stream stores for an event whose content is `content`.
  std::string StoredContent(const std::string& content) {
    Event e = NullObservation(content);
    auto id = stream_->AddEvent(&e, Source::kUser);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    auto stored = stream_->GetEvent(id.ok() ? *id : 0);
    EXPECT_TRUE(stored.ok()) << stored.status().ToString();
    return stored.ok() ? stored->content : "";
  }

  testing::TempDir root_;
  const std::string sid_ = UniqueSession("files");
  FaultInjectionEnv env_;
  std::unique_ptr<EventStream> stream_;
};

class SecretsFileFaultTest : public StreamFilesFaultTest,
                             public ::testing::WithParamInterface<FileFault> {};

// A secrets update that cannot be written is reported, naming the secrets
// file and the step; the set in force stays (file, generation, redaction),
// no temporary file is left, and a retry applies the update.
TEST_P(SecretsFileFaultTest, FailedSecretsWriteKeepsTheSetInForce) {
  Open();
  ASSERT_TRUE(stream_->SetSecrets({{"old", "old-secret-value"}}).ok());
  const std::string path = SharedSecrets::PathFor(sid_, "");
  env_.FailNext(GetParam().op, path);
  const Status s = stream_->UpdateSecrets({{"new", "new-secret-value"}});
  ASSERT_FALSE(s.ok()) << "the injected failure was not seen";
  EXPECT_EQ(env_.injected(), 1);
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find(path), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(GetParam().step), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("unchanged"), std::string::npos) << s.message();

  auto on_file = ReadSecretsFile(path);
  ASSERT_TRUE(on_file.ok()) << on_file.status().ToString();
  EXPECT_EQ(*on_file, (Redactor::SecretMap{{"old", "old-secret-value"}}));
  EXPECT_FALSE(env_.FileExists(path + ".tmp"));
  EXPECT_EQ(StoredContent("old-secret-value new-secret-value"), "<secret_hidden> new-secret-value");

  ASSERT_TRUE(stream_->UpdateSecrets({{"new", "new-secret-value"}}).ok());
  EXPECT_EQ(StoredContent("old-secret-value new-secret-value"), "<secret_hidden> <secret_hidden>");
}

INSTANTIATE_TEST_SUITE_P(EveryStep, SecretsFileFaultTest,
                         ::testing::Values(FileFault{FaultOp::kLock, "cannot lock"},
                                           FileFault{FaultOp::kCreate, "cannot create"},
                                           FileFault{FaultOp::kSetMode, "cannot set the mode"},
                                           FileFault{FaultOp::kSync, "cannot sync"},
                                           FileFault{FaultOp::kClose, "cannot close"},
                                           FileFault{FaultOp::kRename, "cannot rename"}),
                         StepName);

class MetricsFileFaultTest : public StreamFilesFaultTest,
                             public ::testing::WithParamInterface<FileFault> {};

// A metrics file that cannot be made is reported, naming the file and the
// step, and leaves nothing behind; the stream already open keeps its file.
TEST_P(MetricsFileFaultTest, FailedMetricsFileIsReportedAndLeavesNothingBehind) {
  Open();
  Event e = NullObservation("before");
  ASSERT_TRUE(stream_->AddEvent(&e, Source::kUser).ok());
  const std::string prefix = MetricsRegion::PathFor(sid_, "", ::getpid(), 0);

  env_.FailNext(GetParam().op, "evbus-metrics." + sid_);
  auto second = EventStream::Open(sid_, Options());
  ASSERT_FALSE(second.ok()) << "the injected failure was not seen";
  EXPECT_EQ(env_.injected(), 1);
  const Status& s = second.status();
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find(prefix), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(GetParam().step), std::string::npos) << s.message();

  auto snapshots = ReadStreamMetrics(sid_);
  ASSERT_TRUE(snapshots.ok()) << snapshots.status().ToString();
  ASSERT_EQ(snapshots->size(), 1u);  // the first stream's file, whole; none half-made
  EXPECT_EQ((*snapshots)[0].events_added, 1u);
}

INSTANTIATE_TEST_SUITE_P(EveryStep, MetricsFileFaultTest,
                         ::testing::Values(FileFault{FaultOp::kCreate, "cannot create"},
                                           FileFault{FaultOp::kSetMode, "cannot set the mode"},
                                           FileFault{FaultOp::kResize, "cannot resize"},
                                           FileFault{FaultOp::kMap, "cannot map"},
                                           FileFault{FaultOp::kClose, "cannot close"}),
                         StepName);

// Close() does everything it can and returns what failed, naming the step
// (before: it always returned OK).
TEST_F(StreamFilesFaultTest, CloseReportsAFailedStep) {
  Open();
  Event e = NullObservation("x");
  ASSERT_TRUE(stream_->AddEvent(&e, Source::kUser).ok());
  env_.FailNext(FaultOp::kRemove, "evbus-metrics." + sid_);
  const Status s = stream_->Close();
  ASSERT_FALSE(s.ok()) << "the injected failure was not seen";
  EXPECT_EQ(env_.injected(), 1);
  EXPECT_EQ(s.code(), Status::Code::kIOError) << s.ToString();
  EXPECT_NE(s.message().find("closing stream '" + sid_ + "'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("metrics file"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("cannot remove"), std::string::npos) << s.message();
  EXPECT_TRUE(stream_->Close().ok());  // closed all the same
  Event after = NullObservation("y");
  EXPECT_EQ(stream_->AddEvent(&after, Source::kUser).status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace evbus
