// `evbus inspect --watch` (frames until SIGTERM, or until the stream is
// destroyed) and the errors: unknown stream, wrong user, bad flags.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/tools/inspect_fixture.h"

namespace evbus::inspect_test {
namespace {

TEST_F(InspectTest, WatchPrintsFramesUntilSigterm) {
  ASSERT_NO_FATAL_FAILURE(MakeKnownState());
  for (const bool json : {true, false}) {
    std::vector<std::string> args{"inspect", stream_, "--watch", "0.05"};
    if (json) args.push_back("--json");
    int fd = -1;
    const pid_t pid = Start(args, &fd);
    ASSERT_GT(pid, 0);
    std::string out;
    // Text frames (stdout is a pipe, not a terminal) are separated by a blank line.
    const std::string frame_start = json ? "{\"stream\"" : "stream \"" + stream_ + "\"";
    auto frames = [&](const std::string& text) {
      std::size_t n = 0;
      for (auto at = text.find(frame_start); at != std::string::npos;
           at = text.find(frame_start, at + 1)) {
        ++n;
      }
      return n;
    };
    EXPECT_TRUE(ReadUntil(fd, &out, [&](const std::string& t) { return frames(t) >= 3; })) << out;
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    Output r = Finish(pid, fd, out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_GE(frames(r.out), 3u);
    EXPECT_EQ(r.out.find("\x1b["), std::string::npos);  // no screen control into a pipe
    if (json) {
      for (std::size_t at = 0, end; (end = r.out.find('\n', at)) != std::string::npos;
           at = end + 1) {
        rapidjson::Document d;
        d.Parse(r.out.c_str() + at, end - at);
        EXPECT_FALSE(d.HasParseError()) << r.out.substr(at, end - at);
      }
    } else {
      EXPECT_NE(r.out.find("\n\nstream \"" + stream_ + "\""), std::string::npos) << r.out;
    }
  }
}

TEST_F(InspectTest, WatchStopsWhenTheStreamIsDestroyed) {
  int fd = -1;
  const pid_t pid = Start({"inspect", stream_, "--watch", "0.05", "--json"}, &fd);
  std::string out;
  ASSERT_TRUE(ReadUntil(fd, &out, [](const std::string& t) { return t.find('\n') != t.npos; }));
  ASSERT_TRUE(shm::Segment::Remove(stream_, "").ok());
  Output r = Finish(pid, fd, out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stream \"" + stream_ + "\" was destroyed"), std::string::npos) << r.err;
}

TEST_F(InspectTest, UnknownStreamSaysHowToCreateIt) {
  Output r = Run({"inspect", "no-such-stream-" + std::to_string(::getpid())});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  const std::string name = "no-such-stream-" + std::to_string(::getpid());
  EXPECT_NE(
      r.err.find("stream \"" + name + "\" does not exist; create it with: evbus create " + name),
      std::string::npos)
      << r.err;
}

TEST_F(InspectTest, WrongUserIsAStreamThatDoesNotExist) {
  Output r = Run({"inspect", stream_, "--user", "bob"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stream \"" + stream_ +
                       "\" (user \"bob\") does not exist; create it "
                       "with: evbus create " +
                       stream_ + " --user bob"),
            std::string::npos)
      << r.err;
}

TEST_F(InspectTest, BadFlagsAreUsageErrors) {
  const std::vector<std::vector<std::string>> cases = {
      {"inspect"},
      {"inspect", stream_, "--watch", "0"},
      {"inspect", stream_, "--watch", "soon"},
      {"inspect", stream_, "--watch", "-1"},
      {"inspect", stream_, "--watch"},
      {"inspect", stream_, "--json", "--prometheus"},
      {"inspect", stream_, "--color"},
      {"inspect", "bad/name"},
      {"inspect", stream_, "extra"},
  };
  for (const auto& args : cases) {
    Output r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("evbus inspect: ", 0), 0u) << r.err;
  }
}

}  // namespace
}  // namespace evbus::inspect_test
