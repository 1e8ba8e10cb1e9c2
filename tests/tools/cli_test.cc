// End-to-end tests of the `evbus` executable: each test runs the real binary
// (fork/exec) on a stream of its own and checks exit codes, stdout and stderr.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "stream/shared_secrets.h"
#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

namespace fs = std::filesystem;

using testutil::Lines;
using testutil::ReadAll;

class CliTest : public testutil::CliFixture {
 protected:
  CliTest() : CliFixture("cli-test") {}

  // Publishes `lines` (each one event) and expects every id back.
  void PublishAll(const std::vector<std::string>& lines) {
    std::string text;
    for (const std::string& l : lines) text += l + "\n";
    Result r = Run({"publish", stream_}, text);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(Lines(r.out).size(), lines.size());
  }
};

const std::vector<std::string> kEvents = {
    R"({"action":"message","source":"user","args":{"content":"fix the bug"}})",
    R"({"action":"run","source":"agent","args":{"command":"ls"}})",
    R"({"action":"run","source":"agent","args":{"command":"make test"}})",
    R"({"action":"message","source":"agent","args":{"content":"done"}})",
    R"({"action":"run","source":"agent","args":{"command":"git diff"}})",
};

TEST_F(CliTest, PublishStopsAtMalformedLineAndReportsItsNumber) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  Result r = Run({"publish", stream_},
                 kEvents[0] + "\n" + kEvents[1] + "\n{\"action\": oops\n" + kEvents[2] + "\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "0\n1\n");
  EXPECT_NE(r.err.find("evbus publish: line 3:"), std::string::npos) << r.err;

  Result tail = Run({"tail", stream_});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  std::vector<std::string> lines = Lines(tail.out);
  ASSERT_EQ(lines.size(), 2u) << tail.out;
  EXPECT_NE(lines[0].find("\"id\":0"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("fix the bug"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"command\":\"ls\""), std::string::npos) << lines[1];
}

TEST_F(CliTest, PersistedEventsAreFoundBySearchAndGet) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(PublishAll(kEvents));
  ASSERT_NO_FATAL_FAILURE(PersistUpTo(4));

  Result all = Run({"search", stream_, "--root", root_});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  ASSERT_EQ(Lines(all.out).size(), 5u) << all.out;

  Result limited = Run({"search", stream_, "--root", root_, "--limit", "2", "--reverse"});
  ASSERT_EQ(limited.exit_code, 0) << limited.err;
  std::vector<std::string> lines = Lines(limited.out);
  ASSERT_EQ(lines.size(), 2u) << limited.out;
  EXPECT_NE(lines[0].find("git diff"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("\"done\""), std::string::npos) << lines[1];

  Result runs = Run({"search", stream_, "--root", root_, "--type", "CmdRunAction", "--start", "2"});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  lines = Lines(runs.out);
  ASSERT_EQ(lines.size(), 2u) << runs.out;
  EXPECT_NE(lines[0].find("make test"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("git diff"), std::string::npos) << lines[1];

  Result one = Run({"get", stream_, "--root", root_, "1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("\"command\":\"ls\""), std::string::npos) << one.out;
  Result latest = Run({"get", stream_, "--root", root_, "--latest"});
  ASSERT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_NE(latest.out.find("git diff"), std::string::npos) << latest.out;

  Result missing = Run({"get", stream_, "--root", root_, "99"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("no persisted event with id 99"), std::string::npos) << missing.err;
}

TEST_F(CliTest, SearchWithoutAStoreSaysHowToPersist) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  Result r = Run({"search", stream_, "--root", root_});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("start persisting it with: evbus persist " + stream_), std::string::npos)
      << r.err;
}

TEST_F(CliTest, UnknownStreamSaysHowToCreateIt) {
  for (std::string sub : {"publish", "tail", "persist"}) {
    std::vector<std::string> args{sub, stream_};
    if (sub == "persist") args.insert(args.end(), {"--root", root_});
    Result r = Run(args);
    EXPECT_EQ(r.exit_code, 1) << sub;
    EXPECT_NE(r.err.find("create it with: evbus create " + stream_), std::string::npos)
        << sub << ": " << r.err;
  }
  Result r = Run({"secrets", stream_, "set"}, R"({"K":"v"})");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("create it with: evbus create " + stream_), std::string::npos) << r.err;
}

TEST_F(CliTest, BadFlagsExitWithUsageStatus) {
  EXPECT_EQ(Run({"search", stream_, "--root", root_, "--bogus"}).exit_code, 2);
  EXPECT_EQ(Run({"search", stream_}).exit_code, 2);  // no --root
  EXPECT_EQ(Run({"search", stream_, "--root", root_, "--limit", "x"}).exit_code, 2);
  EXPECT_EQ(Run({"get", stream_, "--root", root_}).exit_code, 2);  // no ID
  EXPECT_EQ(Run({"get", stream_, "--root", root_, "1", "--latest"}).exit_code, 2);
  EXPECT_EQ(Run({"persist", stream_, "--root", root_, "--fsync", "sometimes"}).exit_code, 2);
  EXPECT_EQ(Run({"secrets", stream_, "delete"}).exit_code, 2);
  Result r = Run({"nosuch"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown subcommand"), std::string::npos) << r.err;
}

TEST_F(CliTest, SecretsAreRedactedFromTailAndStore) {
  const std::string secret = "s3cr3t-" + std::to_string(::getpid()) + "-tok";
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  Result set = Run({"secrets", stream_, "set"}, R"({"API_TOKEN":")" + secret + "\"}");
  ASSERT_EQ(set.exit_code, 0) << set.err;
  Result bad = Run({"secrets", stream_, "update"}, "[1,2]");
  EXPECT_EQ(bad.exit_code, 1);
  ASSERT_NO_FATAL_FAILURE(PublishAll(
      {R"({"action":"run","source":"agent","args":{"command":"curl -H )" + secret + R"("}})"}));

  Result tail = Run({"tail", stream_});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  ASSERT_EQ(Lines(tail.out).size(), 1u) << tail.out;
  EXPECT_EQ(tail.out.find(secret), std::string::npos) << tail.out;
  EXPECT_NE(tail.out.find("curl -H"), std::string::npos) << tail.out;

  ASSERT_NO_FATAL_FAILURE(PersistUpTo(0));
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root_)) {
    if (!entry.is_regular_file()) continue;
    ++files;
    EXPECT_EQ(ReadAll(entry.path()).find(secret), std::string::npos) << entry.path();
  }
  EXPECT_GT(files, 0u);

  const std::string secrets_file = SharedSecrets::PathFor(stream_, "");
  ASSERT_TRUE(fs::exists(secrets_file));
  ASSERT_EQ(Run({"destroy", stream_}).exit_code, 0);
  EXPECT_FALSE(fs::exists(secrets_file)) << "destroy leaves the stream's secrets behind";
}

TEST_F(CliTest, HelpDescribesInspectAndItsFormats) {
  Result general = Run({"help"});
  ASSERT_EQ(general.exit_code, 0);
  EXPECT_NE(general.out.find("  inspect "), std::string::npos) << general.out;
  Result inspect = Run({"help", "inspect"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  for (const char* word : {"--watch SECONDS", "--json", "--prometheus", "read-only", "0.2 s"}) {
    EXPECT_NE(inspect.out.find(word), std::string::npos) << word << " missing from:\n"
                                                         << inspect.out;
  }
}

TEST_F(CliTest, InspectSeesWhatPublishPublished) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(PublishAll(kEvents));
  Result r = Run({"inspect", stream_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("events 5 published (next id 5)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("       4  agent       CmdRunAction"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("persister none registered"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace evbus
