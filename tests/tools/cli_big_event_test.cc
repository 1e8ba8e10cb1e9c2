// Big events through the command line, in real processes
// (docs/shm_layout.md, section 13): two `evbus publish` processes mixing
// 1 KiB and 8 MiB events, three `evbus tail --follow` readers and the
// persister; every id dense, in order and intact everywhere, persisted,
// returned by search and get, exported to the OpenHands layout. And 8 MiB
// and 64 MiB events on a stream created with the defaults.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

using testutil::Lines;

constexpr std::size_t kMiB = 1u << 20;
constexpr int kPerPublisher = 12;

// The content of publisher `p`'s event `seq`: "P<p>S<seq>:" and filler.
std::string Content(int p, int seq, std::size_t size) {
  std::string c = "P" + std::to_string(p) + "S" + std::to_string(seq) + ":";
  c.resize(size, static_cast<char>('a' + (p * 7 + seq) % 26));
  return c;
}

std::size_t SizeOf(int seq) { return seq % 4 == 3 ? 8 * kMiB : 1024; }

std::string MessageLine(const std::string& content) {
  return R"({"action":"message","source":"agent","message":"m","args":{"content":")" + content +
         R"(","image_urls":null,"file_urls":null,"wait_for_response":false}})" + "\n";
}

// The "content" string of an event's JSON ("" if none); the OpenHands
// files have a space after the colon (json.dumps), the JSON lines none.
std::string ContentOf(const std::string& json) {
  const std::string key = "\"content\":";
  std::size_t at = json.find(key);
  if (at == std::string::npos) return "";
  at = json.find('"', at + key.size());
  if (at == std::string::npos) return "";
  return json.substr(at + 1, json.find('"', at + 1) - at - 1);
}

class CliBigEventTest : public testutil::CliFixture {
 protected:
  CliBigEventTest() : CliFixture("cli-big") {}

  // `evbus export-openhands` writes events/<id>.json for ids 0..count-1,
  // each one publisher's event, intact.
  void ExpectIntactExport(int count) {
    const std::string out = dir_.path() + "/openhands";
    const Result exported = Run({"export-openhands", stream_, out, "--root", root_});
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    std::vector<std::string> files;
    for (int id = 0; id < count; ++id) {
      files.push_back(testutil::ReadAll(out + "/events/" + std::to_string(id) + ".json"));
    }
    for (std::size_t id = 0; id < files.size(); ++id) {
      const std::string content = ContentOf(files[id]);
      int p = -1, seq = -1;
      ASSERT_EQ(std::sscanf(content.c_str(), "P%dS%d:", &p, &seq), 2) << "events/" << id << ".json";
      EXPECT_TRUE(content == Content(p, seq, SizeOf(seq))) << "events/" << id << ".json";
    }
  }

  // Waits (bounded) until the running persister has stored `last_id`.
  void WaitStoredUpTo(long long last_id) {
    const std::string want = std::to_string(last_id) + "\n";
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::string latest;
    while (latest != want && std::chrono::steady_clock::now() < deadline) {
      latest = Run({"get", stream_, "--root", root_, "--latest-id"}).out;
      if (latest != want) ::usleep(20'000);  // poll interval, bounded by the deadline
    }
    ASSERT_EQ(latest, want) << "the persister never stored every event";
  }

  // Every line is one publisher's event, intact, ids 0.. dense, each
  // publisher's events in its order.
  void ExpectDenseIntactHistory(const std::vector<std::string>& lines, const std::string& who) {
    ASSERT_EQ(lines.size(), 2u * kPerPublisher) << who;
    std::map<int, int> next_seq;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      ASSERT_EQ(lines[i].rfind("{\"id\":" + std::to_string(i) + ",", 0), 0u)
          << who << ": line " << i << " is not id " << i;
      const std::string content = ContentOf(lines[i]);
      int p = -1, seq = -1;
      ASSERT_EQ(std::sscanf(content.c_str(), "P%dS%d:", &p, &seq), 2) << who << " id " << i;
      EXPECT_EQ(seq, next_seq[p]++) << who << ": publisher " << p << " out of order";
      EXPECT_TRUE(content == Content(p, seq, SizeOf(seq))) << who << ": id " << i << " torn";
    }
  }
};

TEST_F(CliBigEventTest, MixedSizesFromTwoPublishersReachThreeTailsTheStoreAndTheExport) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  persist_n_ = ++runs_;
  persist_pid_ = Start({"persist", stream_, "--root", root_}, "", persist_n_);
  std::vector<std::pair<pid_t, int>> tails;
  for (int t = 0; t < 3; ++t) {
    const int n = ++runs_;
    tails.emplace_back(Start({"tail", stream_, "--from", "0", "--follow"}, "", n), n);
  }
  std::vector<std::pair<pid_t, int>> publishers;
  for (int p = 0; p < 2; ++p) {
    std::string text;
    for (int seq = 0; seq < kPerPublisher; ++seq) text += MessageLine(Content(p, seq, SizeOf(seq)));
    const int n = ++runs_;
    publishers.emplace_back(Start({"publish", stream_}, text, n), n);
  }
  for (auto [pid, n] : publishers) {
    const Result r = Collect(pid, n);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(Lines(r.out).size(), static_cast<std::size_t>(kPerPublisher));
  }
  ASSERT_NO_FATAL_FAILURE(WaitStoredUpTo(2 * kPerPublisher - 1));
  for (auto [pid, n] : tails) {
    // Each tail has read everything once the persister has (it only follows).
    ::kill(pid, SIGTERM);
    const Result r = Collect(pid, n);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    ExpectDenseIntactHistory(Lines(r.out), "tail " + std::to_string(n));
  }
  StopPersister();
  const std::vector<std::string> stored = Lines(Run({"search", stream_, "--root", root_}).out);
  ExpectDenseIntactHistory(stored, "search");
  for (std::size_t id = 0; id < stored.size(); ++id) {
    if (ContentOf(stored[id]).size() != 8 * kMiB) continue;
    const Result big = Run({"get", stream_, "--root", root_, std::to_string(id)});
    EXPECT_TRUE(big.out == stored[id] + "\n") << "get " << id << ": " << big.err;
  }
  ExpectIntactExport(2 * kPerPublisher);
}

TEST_F(CliBigEventTest, PublishTakes8And64MiBEventsOnAStreamCreatedWithDefaults) {
  ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
  const std::string e8 = Content(0, 0, 8 * kMiB), e64 = Content(0, 1, 64 * kMiB);
  const Result r = Run({"publish", stream_}, MessageLine(e8) + MessageLine(e64));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n");
  ASSERT_NO_FATAL_FAILURE(PersistUpTo(1));
  // `evbus inspect` shows the bodies beside the ring (text and Prometheus).
  EXPECT_NE(Run({"inspect", stream_}).out.find("big-event bodies: 2 files, "), std::string::npos);
  EXPECT_NE(Run({"inspect", stream_, "--prometheus"}).out.find("evbus_big_event_bodies"),
            std::string::npos);
  EXPECT_TRUE(ContentOf(Run({"get", stream_, "--root", root_, "0"}).out) == e8);
  EXPECT_TRUE(ContentOf(Run({"get", stream_, "--root", root_, "1"}).out) == e64);
  // Destroying the stream removes its bodies.
  ASSERT_EQ(Run({"destroy", stream_}).exit_code, 0);
  for (const auto& entry : std::filesystem::directory_iterator("/dev/shm")) {
    EXPECT_EQ(entry.path().filename().string().rfind("evbus-body." + stream_ + "+", 0),
              std::string::npos)
        << entry.path() << " outlived `evbus destroy`";
  }
}

}  // namespace
}  // namespace evbus
