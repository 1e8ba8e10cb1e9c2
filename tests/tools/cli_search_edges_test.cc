// `evbus search` at the edges where a new user checks it against OpenHands:
// a date bound copied from evbus's own output includes that event, far dates
// (9999-12-31T23:59:59, 0001-01-01) are bounds rather than errors, and
// --limit 0 means no limit. Each case runs on the store and with --live.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

using testutil::Lines;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Printed {
  std::int64_t id = -1;
  std::string timestamp;
};

// The id and timestamp text of each JSON line of `out`.
std::vector<Printed> PrintedEvents(const std::string& out) {
  std::vector<Printed> events;
  for (const std::string& line : Lines(out)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    EXPECT_TRUE(!doc.HasParseError() && doc.IsObject() && doc.HasMember("timestamp")) << line;
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("id")) continue;
    events.push_back({doc["id"].GetInt64(), doc["timestamp"].GetString()});
  }
  return events;
}

std::vector<std::int64_t> IdsOf(const std::vector<Printed>& events) {
  std::vector<std::int64_t> ids;
  for (const Printed& e : events) ids.push_back(e.id);
  return ids;
}

class CliSearchEdgesTest : public testutil::CliFixture {
 protected:
  CliSearchEdgesTest() : CliFixture("cli-edges") {}

  void SetUp() override {
    CliFixture::SetUp();
    ASSERT_EQ(Run({"create", stream_}).exit_code, 0);
    std::string text;
    for (int i = 0; i < kEvents; ++i) {
      text += R"({"action":"run","source":"agent","args":{"command":"echo )" + std::to_string(i) +
              "\"}}\n";
    }
    Result published = Run({"publish", stream_}, text);
    ASSERT_EQ(published.exit_code, 0) << published.err;
    ASSERT_NO_FATAL_FAILURE(PersistUpTo(kEvents - 1));
    Result all = Run({"search", stream_, "--root", root_});
    ASSERT_EQ(all.exit_code, 0) << all.err;
    printed_ = PrintedEvents(all.out);
    ASSERT_EQ(printed_.size(), static_cast<std::size_t>(kEvents)) << all.out;
  }

  // `evbus search` with `extra` flags, on the store or (live) the unified view.
  Result Search(const std::vector<std::string>& extra, bool live) {
    std::vector<std::string> args{"search", stream_, "--root", root_};
    if (live) args.push_back("--live");
    args.insert(args.end(), extra.begin(), extra.end());
    return Run(args);
  }

  // The ids a search with `extra` prints; a failing search fails the test.
  std::vector<std::int64_t> Ids(const std::vector<std::string>& extra, bool live) {
    Result r = Search(extra, live);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return IdsOf(PrintedEvents(r.out));
  }

  // What OpenHands answers: the printed timestamps compared as text (they all
  // have the same shape, so text order is time order), bounds inclusive.
  std::vector<std::int64_t> Expected(const std::string& start, const std::string& end) const {
    std::vector<std::int64_t> ids;
    for (const Printed& e : printed_) {
      if (!start.empty() && e.timestamp < start) continue;
      if (!end.empty() && e.timestamp > end) continue;
      ids.push_back(e.id);
    }
    return ids;
  }

  static constexpr int kEvents = 4;
  std::vector<Printed> printed_;
};

TEST_F(CliSearchEdgesTest, BoundsCopiedFromPrintedTimestampsIncludeTheirEvent) {
  for (const Printed& e : printed_) {
    Result got = Run({"get", stream_, "--root", root_, std::to_string(e.id)});
    ASSERT_EQ(got.exit_code, 0) << got.err;
    const std::vector<Printed> one = PrintedEvents(got.out);
    ASSERT_EQ(one.size(), 1u) << got.out;
    EXPECT_EQ(one[0].timestamp, e.timestamp);  // get prints what search prints
  }
  for (const bool live : {false, true}) {
    for (const Printed& e : printed_) {
      const std::string& t = e.timestamp;
      SCOPED_TRACE("bound " + t + " (event " + std::to_string(e.id) + (live ? ", live)" : ")"));
      EXPECT_EQ(Ids({"--start-date", t, "--end-date", t}, live), Expected(t, t));
      EXPECT_EQ(Ids({"--end-date", t}, live), Expected("", t));
      EXPECT_EQ(Ids({"--start-date", t}, live), Expected(t, ""));
      EXPECT_EQ(Ids({"--start-date=" + t, "--end-date=" + t, "--reverse"}, live).size(),
                Expected(t, t).size());
    }
  }
}

TEST_F(CliSearchEdgesTest, FarDatesAreBoundsNotErrors) {
  const std::vector<std::int64_t> all = IdsOf(printed_);
  for (const bool live : {false, true}) {
    SCOPED_TRACE(live ? "live" : "store");
    EXPECT_EQ(Ids({"--end-date", "9999-12-31T23:59:59"}, live), all);
    EXPECT_EQ(Ids({"--start-date", "0001-01-01T00:00:00"}, live), all);
    EXPECT_EQ(Ids({"--start-date", "0001-01-01", "--end-date", "9999-12-31T23:59:59"}, live), all);
    EXPECT_EQ(Ids({"--start-date", "9999-12-31T23:59:59"}, live), std::vector<std::int64_t>{});
    EXPECT_EQ(Ids({"--end-date", "0001-01-01T00:00:00"}, live), std::vector<std::int64_t>{});

    Result reversed =
        Search({"--start-date", "9999-12-31T23:59:59", "--end-date", "9999-12-31T23:59:58"}, live);
    EXPECT_EQ(reversed.exit_code, 2);
    EXPECT_EQ(reversed.out, "");
    EXPECT_TRUE(Contains(reversed.err, "is after end_date")) << reversed.err;
  }
}

TEST_F(CliSearchEdgesTest, LimitZeroMeansNoLimitAndANegativeLimitIsRefused) {
  const std::vector<std::int64_t> all = IdsOf(printed_);
  const std::vector<std::int64_t> backwards(all.rbegin(), all.rend());
  for (const bool live : {false, true}) {
    SCOPED_TRACE(live ? "live" : "store");
    EXPECT_EQ(Ids({"--limit", "0"}, live), all);
    EXPECT_EQ(Ids({"--limit", "0", "--reverse"}, live), backwards);
    EXPECT_EQ(Ids({"--limit", "1"}, live), std::vector<std::int64_t>{all.front()});

    Result negative = Search({"--limit", "-1"}, live);
    EXPECT_EQ(negative.exit_code, 2);
    EXPECT_EQ(negative.out, "");
    EXPECT_TRUE(Contains(negative.err, "--limit expects a count of 0 or more (0: no limit)"))
        << negative.err;
  }
  // The help says it too (before: it named --limit N only).
  EXPECT_TRUE(Contains(Run({"help", "search"}).out, "--limit 0 (the default) means no limit"));
}

}  // namespace
}  // namespace evbus
