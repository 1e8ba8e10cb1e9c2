// A full disk, simulated with RLIMIT_FSIZE in a forked child (SIGXFSZ
// ignored, so write(2) fails with EFBIG): the writer reports a clear IOError,
// leaves no partial record behind, and a later writer recovers cleanly.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "persist/store_writer.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::CollectingReporter;
using testing::ReadStoreRecords;
using testing::SampleBody;
using testing::SampleMeta;
using testing::TempDir;

constexpr rlim_t kFileSizeLimit = 16 * 1024;

// Exit codes of the child, so the parent can say what went wrong.
enum ChildExit : int {
  kChildOk = 0,
  kChildOpenFailed = 10,
  kChildNoError = 11,
  kChildWrongError = 12,
  kChildRetrySucceeded = 13,
};

// Appends until the limit bites; writes "<next_id> <durable_next_id>" to `fd`.
int RunChild(const std::string& dir, int fd) {
  ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = {kFileSizeLimit, kFileSizeLimit};
  ::setrlimit(RLIMIT_FSIZE, &limit);
  StoreWriterOptions options;
  options.sync_policy = SyncPolicy::kEveryEvent;
  auto writer = StoreWriter::Open(dir, options);
  if (!writer.ok()) return kChildOpenFailed;
  Status s;
  std::uint64_t id = 0;
  for (; id < 100000 && s.ok(); ++id) s = (*writer)->Append(SampleMeta(id), SampleBody(id));
  if (s.ok()) return kChildNoError;
  if (s.code() != Status::Code::kIOError ||
      s.message().find("file size limit") == std::string::npos) {
    return kChildWrongError;
  }
  if ((*writer)->Sync().ok()) return kChildRetrySucceeded;  // still no space
  const std::string line = std::to_string((*writer)->next_id()) + " " +
                           std::to_string((*writer)->durable_next_id()) + "\n";
  if (::write(fd, line.data(), line.size()) < 0) return kChildWrongError;
  ::_exit(kChildOk);  // no destructors: the process "dies" with the disk full
}

TEST(StoreFullDiskTest, ReportsIOErrorLeavesNoPartialRecordAndRecoversAfterwards) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/evbus";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ::_exit(RunChild(dir, fds[1]));
  }
  ::close(fds[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), kChildOk);
  char buf[64] = {};
  ASSERT_GT(::read(fds[0], buf, sizeof(buf) - 1), 0);
  ::close(fds[0]);
  unsigned long long next_id = 0, durable = 0;
  ASSERT_EQ(std::sscanf(buf, "%llu %llu", &next_id, &durable), 2);
  ASSERT_GT(durable, 0u);
  // The failing record stayed buffered in the child; the files hold exactly
  // the durable records, with no partial record after them.
  EXPECT_EQ(next_id, durable + 1);
  CollectingReporter reporter;
  auto records = ReadStoreRecords(dir, &reporter);
  EXPECT_TRUE(reporter.reports.empty()) << reporter.reports[0].reason;
  ASSERT_EQ(records.size(), durable);
  StoreWriterOptions options;
  options.reporter = &reporter;
  auto writer = StoreWriter::Open(dir, options);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  EXPECT_TRUE(reporter.reports.empty());
  EXPECT_EQ((*writer)->next_id(), durable);
  for (std::uint64_t id = durable; id < durable + 50; ++id) {
    ASSERT_TRUE((*writer)->Append(SampleMeta(id), SampleBody(id)).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
  records = ReadStoreRecords(dir, &reporter);
  ASSERT_EQ(records.size(), durable + 50);
  for (std::uint64_t id = 0; id < records.size(); ++id) EXPECT_EQ(records[id].meta.id, id);
}

}  // namespace
}  // namespace evbus::persist
