// EventStream's search API at the edges the CLI has (tests/tools/
// cli_search_edges_test.cc): a date bound equal to an event's printed
// timestamp includes it, far dates are bounds, limit 0 means no limit. Each
// case runs while the events are only in the ring and again once they are in
// the store (whose page summaries prune by date).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/event_filter.h"
#include "persist/store.h"
#include "stream/event_stream.h"
#include "tests/stream/stream_test_util.h"

namespace evbus {
namespace {

constexpr int kEvents = 4;

// The "timestamp" text of an event's JSON, as evbus prints it.
std::string PrintedTimestamp(const std::string& json) {
  const std::string key = "\"timestamp\":\"";
  const std::size_t at = json.find(key);
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size();
  return json.substr(start, json.find('"', start) - start);
}

class EventStreamSearchEdgesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sid_ = testing::UniqueSession("edges");
    EventStreamOptions options;
    options.store_root = root_.path();
    options.log = [](const std::string&) {};
    auto opened = EventStream::Open(sid_, options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    stream_ = std::move(*opened);
    for (int i = 0; i < kEvents; ++i) {
      Event e = testing::CmdRunAction("echo " + std::to_string(i));
      ASSERT_TRUE(stream_->AddEvent(&e, Source::kAgent).ok());
    }
    auto all = stream_->SearchEventsJson({});
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), static_cast<std::size_t>(kEvents));
    for (const auto& stored : *all) printed_.push_back(PrintedTimestamp(stored.json));
  }
  void TearDown() override {
    persister_.reset();
    if (stream_ != nullptr) (void)stream_->Close();
    stream_.reset();
    testing::DestroyStream(sid_);
  }

  // Starts a persister and returns once the store holds every event.
  void PersistAll() {
    persister_ = testing::PersisterThread::Start(root_.path(), sid_);
    ASSERT_NE(persister_, nullptr);
    ASSERT_TRUE(testing::WaitFor([&] {
      auto store = persist::Store::Open(root_.path(), sid_);
      return store.ok() && (*store)->GetLatestEventId() == kEvents - 1;
    })) << "the persister never caught up";
  }

  std::vector<std::int64_t> Ids(const EventFilterSpec& spec, std::optional<std::int64_t> limit = {},
                                bool reverse = false) {
    auto filter = EventFilter::Make(spec);
    EXPECT_TRUE(filter.ok()) << filter.status().ToString();
    if (!filter.ok()) return {};
    persist::SearchQuery q;
    q.filter = &*filter;
    q.limit = limit;
    q.reverse = reverse;
    auto found = stream_->SearchEvents(q);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    std::vector<std::int64_t> ids;
    if (found.ok()) {
      for (const Event& e : *found) ids.push_back(e.id);
    }
    return ids;
  }

  // OpenHands' answer: the printed texts compared, bounds inclusive.
  std::vector<std::int64_t> Expected(const std::string& start, const std::string& end) const {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < kEvents; ++i) {
      if ((start.empty() || printed_[i] >= start) && (end.empty() || printed_[i] <= end)) {
        ids.push_back(i);
      }
    }
    return ids;
  }

  void ExpectAllEdges() {
    for (const std::string& t : printed_) {
      SCOPED_TRACE("bound " + t);
      EXPECT_EQ(Ids(EventFilterSpec().WithStartDate(t).WithEndDate(t)), Expected(t, t));
      EXPECT_EQ(Ids(EventFilterSpec().WithEndDate(t)), Expected("", t));
      EXPECT_EQ(Ids(EventFilterSpec().WithStartDate(t)), Expected(t, ""));
    }
    const std::vector<std::int64_t> all = Expected("", "");
    EXPECT_EQ(Ids(EventFilterSpec().WithEndDate("9999-12-31T23:59:59")), all);
    EXPECT_EQ(Ids(EventFilterSpec().WithStartDate("0001-01-01T00:00:00")), all);
    EXPECT_EQ(Ids(EventFilterSpec().WithStartDate("9999-12-31T23:59:59")),
              std::vector<std::int64_t>{});
    EXPECT_EQ(Ids(EventFilterSpec(), 0), all);
    EXPECT_EQ(Ids(EventFilterSpec(), 0, true),
              (std::vector<std::int64_t>(all.rbegin(), all.rend())));
    auto far = stream_->GetMatchingEvents(EventFilterSpec().WithEndDate("9999-12-31T23:59:59"));
    ASSERT_TRUE(far.ok()) << far.status().ToString();
    EXPECT_EQ(far->size(), all.size());
  }

  testing::TempDir root_;
  std::string sid_;
  std::unique_ptr<EventStream> stream_;
  std::unique_ptr<testing::PersisterThread> persister_;
  std::vector<std::string> printed_;
};

TEST_F(EventStreamSearchEdgesTest, RingAnswersLikeOpenHandsAtTheEdges) { ExpectAllEdges(); }

TEST_F(EventStreamSearchEdgesTest, StoreAnswersLikeOpenHandsAtTheEdges) {
  ASSERT_NO_FATAL_FAILURE(PersistAll());
  ExpectAllEdges();
}

}  // namespace
}  // namespace evbus
