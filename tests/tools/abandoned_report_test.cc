// An id whose producer was killed with kill -9 between claim and commit is
// reported by its id and that producer's pid everywhere a person looks: the
// persister's log, `evbus inspect` (text and JSON), `evbus tail` and `evbus
// get` of the id (from the store, and with --live). Real processes: the evbus binary and
// tests/procs/ring_producer_proc.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <string>

#include "tests/shm/child_process.h"
#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

using namespace std::chrono_literals;

class AbandonedReportTest : public testutil::CliFixture {
 protected:
  AbandonedReportTest() : CliFixture("abandoned") {}

  void Publish(int count) {
    std::string text;
    for (int i = 0; i < count; ++i) {
      text += R"({"action":"run","source":"agent","args":{"command":"ls"}})"
              "\n";
    }
    Result r = Run({"publish", stream_}, text);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  // Starts a producer process that claims the next id and stops before it
  // commits, then kills it with SIGKILL. Returns its pid.
  pid_t KillProducerMidClaim(std::uint64_t expect_id) {
    shm::testproc::ChildProcess doomed;
    EXPECT_TRUE(doomed.Start(
        {shm::testproc::HelperPath("ring_producer_proc"), stream_, "1", "1", "pause-after=0"}));
    std::string line;
    EXPECT_TRUE(doomed.ReadLineStartingWith("claimed ", &line, 10s));
    EXPECT_EQ("claimed " + std::to_string(expect_id), line);
    EXPECT_TRUE(doomed.KillAndReap());
    return doomed.pid();
  }
};

TEST_F(AbandonedReportTest, KilledProducersIdIsNamedWithItsPidInLogInspectAndGet) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(Publish(2));  // ids 0, 1
  const pid_t dead = KillProducerMidClaim(2);
  ASSERT_NO_FATAL_FAILURE(Publish(1));             // id 3
  ASSERT_NO_FATAL_FAILURE(StartPersisterUpTo(3));  // it abandons 2 on its way
  const std::string by = "abandoned by producer pid " + std::to_string(dead);

  Result json = Run({"inspect", stream_, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  rapidjson::Document d;
  d.Parse(json.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << json.out;
  ASSERT_TRUE(d.HasMember("abandoned") && d["abandoned"].IsArray()) << json.out;
  const auto& abandoned = d["abandoned"];
  ASSERT_EQ(abandoned.Size(), 1u) << json.out;
  EXPECT_EQ(abandoned[0]["first"].GetUint64(), 2u);
  EXPECT_EQ(abandoned[0]["last"].GetUint64(), 2u);
  EXPECT_EQ(abandoned[0]["producer_pid"].GetInt64(), dead);
  Result text = Run({"inspect", stream_});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("ABANDONED 1"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("producer pid " + std::to_string(dead)), std::string::npos) << text.out;

  Result tail = Run({"tail", stream_});
  EXPECT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_NE(tail.err.find("event 2 is missing: its producer (pid " + std::to_string(dead) + ")"),
            std::string::npos)
      << tail.err;

  Result live = Run({"get", stream_, "--root", root_, "--live", "2"});
  EXPECT_EQ(live.exit_code, 1);
  EXPECT_NE(live.err.find("event 2 is missing: it was " + by), std::string::npos) << live.err;

  const int persister_run = persist_n_;
  StopPersister();
  const std::string log = testutil::ReadAll(dir_.path() + "/err" + std::to_string(persister_run));
  EXPECT_NE(log.find("id 2 was " + by), std::string::npos) << log;

  Result get = Run({"get", stream_, "--root", root_, "2"});
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_NE(get.err.find("event 2 is missing: it was " + by), std::string::npos) << get.err;
  Result beyond = Run({"get", stream_, "--root", root_, "9"});
  EXPECT_EQ(beyond.exit_code, 1);
  EXPECT_NE(beyond.err.find("no persisted event with id 9"), std::string::npos) << beyond.err;
}

}  // namespace
}  // namespace evbus
