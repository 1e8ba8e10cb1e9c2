// `evbus search --live` and `evbus get --live`: the store and the ring as one
// stream. Events published after the persister stopped are only in the ring;
// without --live the commands show the store alone, as before.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

using testutil::Lines;

class CliLiveTest : public testutil::CliFixture {
 protected:
  CliLiveTest() : CliFixture("cli-live") {}

  void Publish(int first, int count) {
    std::string text;
    for (int i = first; i < first + count; ++i) {
      text += R"({"action":"run","source":"agent","args":{"command":"echo step)" +
              std::to_string(i) + "\"}}\n";
    }
    Result r = Run({"publish", stream_}, text);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
};

TEST_F(CliLiveTest, LiveSearchAndGetSeeRingOnlyEventsAfterTheStoredOnes) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  ASSERT_NO_FATAL_FAILURE(Publish(0, 3));
  ASSERT_NO_FATAL_FAILURE(PersistUpTo(2));
  ASSERT_NO_FATAL_FAILURE(Publish(3, 2));  // ids 3 and 4: only in the ring

  EXPECT_EQ(Lines(Run({"search", stream_, "--root", root_}).out).size(), 3u);
  Result live = Run({"search", stream_, "--root", root_, "--live"});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  const std::vector<std::string> lines = Lines(live.out);
  ASSERT_EQ(lines.size(), 5u) << live.out;
  for (int id = 0; id < 5; ++id) {
    EXPECT_EQ(lines[static_cast<std::size_t>(id)].rfind("{\"id\":" + std::to_string(id) + ",", 0),
              0u)
        << lines[static_cast<std::size_t>(id)];
    EXPECT_NE(lines[static_cast<std::size_t>(id)].find("echo step" + std::to_string(id)),
              std::string::npos);
  }
  const std::vector<std::string> newest =
      Lines(Run({"search", stream_, "--root", root_, "--live", "--reverse", "--limit", "2"}).out);
  ASSERT_EQ(newest.size(), 2u);
  EXPECT_EQ(newest[0].rfind("{\"id\":4,", 0), 0u) << newest[0];
  EXPECT_EQ(newest[1].rfind("{\"id\":3,", 0), 0u) << newest[1];
  const std::vector<std::string> from_two = Lines(
      Run({"search", stream_, "--root", root_, "--live", "--start", "2", "--limit", "2"}).out);
  ASSERT_EQ(from_two.size(), 2u);
  EXPECT_EQ(from_two[1].rfind("{\"id\":3,", 0), 0u) << from_two[1];

  EXPECT_EQ(Run({"get", stream_, "--root", root_, "4"}).exit_code, 1);
  Result four = Run({"get", stream_, "--root", root_, "--live", "4"});
  ASSERT_EQ(four.exit_code, 0) << four.err;
  EXPECT_NE(four.out.find("echo step4"), std::string::npos) << four.out;
  EXPECT_EQ(Run({"get", stream_, "--root", root_, "--latest-id"}).out, "2\n");
  EXPECT_EQ(Run({"get", stream_, "--root", root_, "--live", "--latest-id"}).out, "4\n");
  Result missing = Run({"get", stream_, "--root", root_, "--live", "7"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("the latest id is 4"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace evbus
