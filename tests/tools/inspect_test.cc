// `evbus inspect` end to end: the real binary against a segment this test
// puts in a known state (a producer with a claim in flight, a durable
// "persister" registration and a caught-up "server" subscriber), checking
// every number of the JSON frame and of the Prometheus exposition.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include "bridge/bridge_status.h"
#include "shm/stats.h"
#include "tests/tools/exposition_checker.h"
#include "tests/tools/inspect_fixture.h"

namespace evbus::inspect_test {
namespace {

// The frame's layout and stream-wide counters.
void ExpectLayoutAndCounters(const rapidjson::Value& d, const shm::SegmentStats& truth,
                             std::uint64_t segment_bytes) {
  const auto& layout = Member(d, "layout");
  EXPECT_EQ(Member(layout, "version").GetUint(), shm::kLayoutVersion);
  EXPECT_EQ(Member(layout, "capacity_bytes").GetUint64(), 1u << 20);
  EXPECT_EQ(Member(layout, "index_entries").GetUint(), 1024u);
  EXPECT_EQ(Member(layout, "max_event_bytes").GetUint(), 64u << 10);
  EXPECT_EQ(Member(layout, "segment_bytes").GetUint64(), segment_bytes);
  EXPECT_EQ(Member(d, "next_id").GetUint64(), kPublished + 1u);  // id 10 is claimed
  EXPECT_EQ(Member(d, "events_published").GetUint64(), kPublished + 1u);
  EXPECT_EQ(Member(d, "claimed_bytes").GetUint64(), truth.tail);
  EXPECT_EQ(Member(d, "events_per_second").GetDouble(), 0.0);  // nothing moved meanwhile
  EXPECT_GE(Member(d, "rate_interval_seconds").GetDouble(), 0.2);
}

// One producer, "agent" of this process, with id 10 in flight.
void ExpectTheProducer(const rapidjson::Value& d) {
  const auto& producers = Member(d, "producers");
  ASSERT_EQ(producers.Size(), 1u);
  EXPECT_EQ(std::string(Member(producers[0], "name").GetString()), "agent");
  EXPECT_EQ(Member(producers[0], "pid").GetInt(), ::getpid());
  EXPECT_TRUE(Member(producers[0], "alive").GetBool());
  EXPECT_EQ(Member(producers[0], "events_published").GetUint64(), kPublished + 0u);
  EXPECT_TRUE(Member(producers[0], "in_flight").GetBool());
  EXPECT_EQ(Member(producers[0], "in_flight_id").GetUint64(), kPublished + 0u);
}

// The durable "persister" behind by three, the live "server" caught up.
void ExpectTheSubscribers(const rapidjson::Value& d, const shm::SegmentStats& truth) {
  const auto& subs = Member(d, "subscribers");
  ASSERT_EQ(subs.Size(), 2u);
  const auto& p = subs[0];
  EXPECT_EQ(std::string(Member(p, "name").GetString()), "persister");
  EXPECT_TRUE(Member(p, "durable").GetBool());
  EXPECT_TRUE(Member(p, "alive").GetBool());
  EXPECT_EQ(Member(p, "pid").GetInt(), ::getpid());
  EXPECT_EQ(Member(p, "cursor").GetUint64(), kPersisterRead + 0u);
  EXPECT_EQ(Member(p, "lag_events").GetUint64(), kPublished + 1u - kPersisterRead);
  EXPECT_EQ(Member(p, "lag_bytes").GetUint64(), truth.tail - truth.subscribers[0].byte_pos);
  EXPECT_GT(Member(p, "lag_bytes").GetUint64(), 0u);
  EXPECT_EQ(Member(p, "delivered").GetUint64(), kPersisterRead + 0u);
  EXPECT_EQ(Member(p, "gaps").GetUint64(), 0u);
  const auto& s = subs[1];
  EXPECT_EQ(std::string(Member(s, "name").GetString()), "server");
  EXPECT_FALSE(Member(s, "durable").GetBool());
  EXPECT_EQ(Member(s, "cursor").GetUint64(), kPublished + 0u);
  EXPECT_EQ(Member(s, "lag_events").GetUint64(), 1u);
  EXPECT_EQ(Member(s, "delivered").GetUint64(), kPublished + 0u);
  EXPECT_EQ(Member(s, "delivered_per_second").GetDouble(), 0.0);
}

void ExpectThePersister(const rapidjson::Value& d) {
  const auto& persister = Member(d, "persister");
  ASSERT_TRUE(persister.IsObject());
  EXPECT_TRUE(Member(persister, "alive").GetBool());
  EXPECT_EQ(Member(persister, "durable_id").GetInt64(), kPersisterRead - 1);
  EXPECT_EQ(Member(persister, "lag_events").GetUint64(), kPublished + 1u - kPersisterRead);
}

// The five newest events, newest first: id 10 in flight, then 9..6 redacted.
void ExpectRecentEvents(const rapidjson::Value& d) {
  const auto& recent = Member(d, "recent_events");
  ASSERT_EQ(recent.Size(), 5u);
  EXPECT_EQ(Member(recent[0], "id").GetUint64(), 10u);
  EXPECT_EQ(std::string(Member(recent[0], "status").GetString()), "in_flight");
  for (rapidjson::SizeType i = 1; i < 5; ++i) {
    const std::uint64_t id = 10 - i;
    EXPECT_EQ(Member(recent[i], "id").GetUint64(), id);
    EXPECT_EQ(std::string(Member(recent[i], "status").GetString()), "ok");
    EXPECT_EQ(std::string(Member(recent[i], "type").GetString()), "MessageAction");
    EXPECT_EQ(std::string(Member(recent[i], "source").GetString()), id % 2 == 0 ? "user" : "agent");
  }
  EXPECT_EQ(std::string(Member(recent[1], "excerpt").GetString()), "message 9 <secret_hidden>");
  EXPECT_EQ(std::string(Member(recent[4], "excerpt").GetString()), "message 6");
}

TEST_F(InspectTest, JsonFrameShowsTheSegmentsKnownStateExactly) {
  ASSERT_NO_FATAL_FAILURE(MakeKnownState());
  const shm::SegmentStats truth = shm::Snapshot(*segment_);
  const std::string before(reinterpret_cast<const char*>(&segment_->header()),
                           segment_->size_bytes());
  Output r = Run({"inspect", stream_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Read-only: not one byte of the segment changed.
  EXPECT_EQ(std::memcmp(before.data(), &segment_->header(), before.size()), 0);
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_EQ(std::string(Member(d, "stream").GetString()), stream_);
  ExpectLayoutAndCounters(d, truth, segment_->size_bytes());
  ASSERT_NO_FATAL_FAILURE(ExpectTheProducer(d));
  ASSERT_NO_FATAL_FAILURE(ExpectTheSubscribers(d, truth));
  ASSERT_NO_FATAL_FAILURE(ExpectThePersister(d));
  ASSERT_NO_FATAL_FAILURE(ExpectRecentEvents(d));
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
}

// A bridge of the stream (its status file; this process stands for its pid)
// is a member of the JSON frame, with the figures the text frame shows.
TEST_F(InspectTest, JsonFrameListsTheStreamsBridges) {
  ASSERT_NO_FATAL_FAILURE(MakeKnownState());
  bridge::BridgeStatus b;
  b.role = "out";
  b.stream = stream_;
  b.server = "nats://127.0.0.1:4222";
  b.subject = "evbus." + stream_;
  b.state = "running";
  b.pid = ::getpid();
  b.acknowledged_id = 6;
  b.head = 10;
  b.in_flight = 3;
  b.window = 256;
  b.reconnects = 2;
  ASSERT_TRUE(bridge::WriteBridgeStatus(b).ok());
  Output r = Run({"inspect", stream_, "--json"});
  std::remove(bridge::BridgeStatusPath(stream_, "", "out").c_str());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  const auto& bridges = Member(d, "bridges");
  ASSERT_EQ(bridges.Size(), 1u) << r.out;
  EXPECT_EQ(std::string(Member(bridges[0], "role").GetString()), "out");
  EXPECT_EQ(std::string(Member(bridges[0], "server").GetString()), b.server);
  EXPECT_EQ(Member(bridges[0], "acknowledged_id").GetInt64(), 6);
  EXPECT_EQ(Member(bridges[0], "lag").GetUint64(), 3u);
  EXPECT_EQ(Member(bridges[0], "in_flight").GetUint64(), 3u);
  EXPECT_EQ(Member(bridges[0], "reconnects").GetUint64(), 2u);
}

TEST_F(InspectTest, PrometheusOutputIsValidExpositionWithTheSameFigures) {
  ASSERT_NO_FATAL_FAILURE(MakeKnownState());
  Output r = Run({"inspect", stream_, "--prometheus"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testutil::Exposition x = testutil::CheckExposition(r.out);
  for (const std::string& problem : x.problems) ADD_FAILURE() << problem;
  const std::string base = "{stream=\"" + stream_ + "\",user=\"\"";
  auto value = [&](const std::string& key) {
    auto it = x.samples.find(key);
    EXPECT_NE(it, x.samples.end()) << key << " missing from:\n" << r.out;
    return it == x.samples.end() ? -1.0 : it->second;
  };
  EXPECT_EQ(value("evbus_events_published_total" + base + "}"), kPublished + 1);
  EXPECT_EQ(value("evbus_ring_capacity_bytes" + base + "}"), 1 << 20);
  EXPECT_EQ(value("evbus_persister_durable_id" + base + "}"), kPersisterRead - 1);
  EXPECT_EQ(value("evbus_persister_lag_events" + base + "}"), kPublished + 1 - kPersisterRead);
  const std::string pid = std::to_string(::getpid());
  const std::string producer =
      base + ",producer_slot=\"0\",producer_name=\"agent\",producer_pid=\"" + pid + "\"}";
  EXPECT_EQ(value("evbus_producer_events_published_total" + producer), kPublished);
  EXPECT_EQ(value("evbus_producer_in_flight_claims" + producer), 1);
  const std::string server =
      base + ",subscriber_slot=\"1\",subscriber_name=\"server\",subscriber_pid=\"" + pid + "\"}";
  EXPECT_EQ(value("evbus_subscriber_cursor_id" + server), kPublished);
  EXPECT_EQ(value("evbus_subscriber_delivered_events_total" + server), kPublished);
  EXPECT_EQ(x.types["evbus_subscriber_delivered_events_total"], "counter");
  EXPECT_EQ(x.types["evbus_subscriber_lag_bytes"], "gauge");

  // promtool (Debian package prometheus) when it is installed.
  if (::access("/usr/bin/promtool", X_OK) == 0) {
    const std::string file = dir_.path() + "/metrics.prom";
    std::ofstream(file) << r.out;
    const std::string cmd =
        "/usr/bin/promtool check metrics < " + file + " > " + file + ".lint 2>&1";
    std::ifstream lint_in;
    const int rc = std::system(cmd.c_str());
    lint_in.open(file + ".lint");
    std::string lint((std::istreambuf_iterator<char>(lint_in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << lint;
    EXPECT_EQ(lint, "") << lint;
  }
}

TEST(ExpositionCheckerTest, FlagsWhatPromtoolWouldReject) {
  auto problems = [](const std::string& text) { return testutil::CheckExposition(text).problems; };
  EXPECT_TRUE(problems("# HELP evbus_a_total A.\n# TYPE evbus_a_total counter\n"
                       "evbus_a_total{x=\"1\"} 2\n")
                  .empty());
  EXPECT_FALSE(problems("# HELP evbus_a A.\n# TYPE evbus_a counter\nevbus_a 1\n").empty());
  EXPECT_FALSE(problems("# HELP evbus_a_total A.\n# TYPE evbus_a_total gauge\n").empty());
  EXPECT_FALSE(problems("evbus_b 1\n").empty());  // no TYPE
  EXPECT_FALSE(problems("# HELP evbus_b B.\n# TYPE evbus_b gauge\nevbus_b{1x=\"a\"} 1\n").empty());
  EXPECT_FALSE(problems("# HELP evbus_b B.\n# TYPE evbus_b gauge\nevbus_b{x=\"a} 1\n").empty());
  EXPECT_FALSE(problems("# HELP evbus_b B.\n# TYPE evbus_b gauge\nevbus_b one\n").empty());
  EXPECT_FALSE(problems("# HELP b B.\n# TYPE b gauge\nb 1\n").empty());  // no evbus_ prefix
  EXPECT_FALSE(problems("# HELP evbus_b B.\n# TYPE evbus_b gauge\nevbus_b 1\n"
                        "# HELP evbus_c C.\n# TYPE evbus_c gauge\nevbus_c 1\nevbus_b 2\n")
                   .empty());  // a family split in two blocks
}

}  // namespace
}  // namespace evbus::inspect_test
