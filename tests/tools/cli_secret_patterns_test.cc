// evbus secrets STREAM patterns ...: each change made by one process (the CLI)
// redacts what other processes (evbus publish) publish from then on; a bad
// pattern is refused, naming it, and the patterns in force stay.
#include <gtest/gtest.h>

#include <string>

#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

using testutil::CliResult;
using testutil::ReadAll;

class CliSecretPatternsTest : public testutil::CliFixture {
 protected:
  CliSecretPatternsTest() : CliFixture("cli-pat") {}

  // Publishes one command with `text` from a process of its own; returns the
  // command as the stream holds it (the last line of tail).
  std::string PublishAndReadBack(const std::string& text) {
    CliResult p = Run({"publish", stream_},
                      R"({"action":"run","source":"agent","args":{"command":")" + text + R"("}})");
    EXPECT_EQ(p.exit_code, 0) << p.err;
    CliResult tail = Run({"tail", stream_});
    const auto lines = testutil::Lines(tail.out);
    return lines.empty() ? std::string() : lines.back();
  }

  std::string Patterns(const std::vector<std::string>& words) {
    std::vector<std::string> args = {"secrets", stream_, "patterns"};
    args.insert(args.end(), words.begin(), words.end());
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }
};

constexpr char kAws[] = "AKIA0123456789ABCDEF";

TEST_F(CliSecretPatternsTest, PatternsChangedByOneProcessRedactAnothersEvents) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  // A new stream redacts the built-in formats; the segment never holds the token.
  EXPECT_NE(
      PublishAndReadBack(std::string("key ") + kAws).find("<secret_hidden:aws_access_key_id>"),
      std::string::npos);
  EXPECT_EQ(ReadAll("/dev/shm/evbus." + stream_).find(kAws), std::string::npos);

  Patterns({"disable", "aws_access_key_id"});
  Patterns({"add", "ticket", "TCK-[0-9]{6}"});
  const std::string list = Patterns({"list"});
  EXPECT_NE(list.find("aws_access_key_id          off"), std::string::npos) << list;
  EXPECT_NE(list.find("ticket"), std::string::npos) << list;
  const std::string both = PublishAndReadBack(std::string("key ") + kAws + " TCK-123456");
  EXPECT_NE(both.find(kAws), std::string::npos) << both;
  EXPECT_NE(both.find("<secret_hidden:ticket>"), std::string::npos) << both;

  Patterns({"remove", "ticket"});
  Patterns({"enable", "aws_access_key_id"});
  Patterns({"placeholder", "[{rule}]"});
  const std::string last = PublishAndReadBack(std::string("key ") + kAws + " TCK-123456");
  EXPECT_NE(last.find("key [aws_access_key_id] TCK-123456"), std::string::npos) << last;
}

TEST_F(CliSecretPatternsTest, BadPatternIsRefusedByNameAndTheOldOnesStay) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  Patterns({"add", "ticket", "TCK-[0-9]{6}"});
  struct Bad {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Bad& bad : {Bad{{"add", "empty", "a*"}, "'empty' (a*) can match the empty string"},
                         Bad{{"add", "paren", "(x"}, "'paren' ((x) is refused"},
                         Bad{{"disable", "nosuch"}, "no built-in secret pattern is named 'nosuch'"},
                         Bad{{"remove", "nosuch"}, "no user pattern named 'nosuch'"}}) {
    std::vector<std::string> args = {"secrets", stream_, "patterns"};
    args.insert(args.end(), bad.args.begin(), bad.args.end());
    CliResult r = Run(args);
    EXPECT_EQ(r.exit_code, 1) << bad.says;
    EXPECT_NE(r.err.find(bad.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(Run({"secrets", stream_, "patterns", "frobnicate", "x"}).exit_code, 2);
  EXPECT_NE(PublishAndReadBack("TCK-123456").find("<secret_hidden:ticket>"), std::string::npos);
}

}  // namespace
}  // namespace evbus
