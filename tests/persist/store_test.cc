// Store: OpenHands' search_events / get_event semantics (the cases of its
// tests/unit/events/test_event_stream.py), filters on headers and JSON,
// abandoned ids, corruption, the cache.
#include "persist/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "core/event_filter.h"
#include "persist/page_codec.h"
#include "persist/record_convert.h"
#include "persist/store_writer.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::CollectingReporter;
using testing::TempDir;

constexpr std::int64_t kBaseTimestamp = 1'735'689'600'000'000'000;  // 2025-01-01T00:00:00Z

std::string NullAction(std::string_view source = "agent") {
  return R"({"source":")" + std::string(source) +
         R"(","message":"No action","action":"null","args":{}})";
}
std::string NullObservation(std::string_view content, std::string_view source = "agent") {
  return R"({"source":")" + std::string(source) +
         R"(","message":"No observation","observation":"null","content":")" + std::string(content) +
         R"(","extras":{}})";
}
std::string MessageAction(std::string_view content, std::string_view source = "agent") {
  return R"({"source":")" + std::string(source) + R"(","message":")" + std::string(content) +
         R"(","action":"message","args":{"content":")" + std::string(content) +
         R"(","file_urls":null,"image_urls":null,"wait_for_response":false,"security_risk":-1}})";
}
std::string HiddenCommand(std::string_view command) {
  return R"({"source":"agent","message":"Running command: )" + std::string(command) +
         R"(","action":"run","args":{"command":")" + std::string(command) +
         R"(","is_input":false,"thought":"","blocking":false,"is_static":false,"cwd":null,"hidden":true,"confirmation_state":"confirmed","security_risk":-1}})";
}

// Builders, so a test reads like OpenHands' keyword arguments.
struct Q {
  SearchQuery query;
  Q& start(std::int64_t v) {
    query.start_id = v;
    return *this;
  }
  Q& end(std::int64_t v) {
    query.end_id = v;
    return *this;
  }
  Q& reverse(bool v) {
    query.reverse = v;
    return *this;
  }
  Q& filter(const EventFilter* v) {
    query.filter = v;
    return *this;
  }
  Q& limit(std::optional<std::int64_t> v) {
    query.limit = v;
    return *this;
  }
  operator SearchQuery() const { return query; }  // NOLINT: implicit by design
};
struct Spec {
  EventFilterSpec spec;
  Spec& exclude_hidden(bool v) {
    spec.exclude_hidden = v;
    return *this;
  }
  Spec& query(std::string v) {
    spec.query = std::move(v);
    return *this;
  }
  Spec& include(std::vector<std::string> v) {
    spec.include_types = std::move(v);
    return *this;
  }
  Spec& exclude(std::vector<std::string> v) {
    spec.exclude_types = std::move(v);
    return *this;
  }
  Spec& source(std::string v) {
    spec.source = std::move(v);
    return *this;
  }
  Spec& start_date(std::string v) {
    spec.start_date = std::move(v);
    return *this;
  }
  Spec& end_date(std::string v) {
    spec.end_date = std::move(v);
    return *this;
  }
};
struct Opts {
  StoreOptions options;
  Opts& reporter(Reporter* v) {
    options.reporter = v;
    return *this;
  }
  Opts& cache_pages(std::size_t v) {
    options.page_cache_pages = v;
    return *this;
  }
  operator StoreOptions() const { return options; }  // NOLINT: implicit by design
};

class StoreTest : public ::testing::Test {
 protected:
  std::string evbus_dir() const { return EvbusDir(tmp_.path(), "abc", "").value(); }

  // Appends events (JSON without id); id i gets timestamp base + i seconds.
  void Add(const std::vector<std::string>& jsons, bool abandon_next = false) {
    auto writer = StoreWriter::Open(evbus_dir(), {});
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    for (const std::string& json : jsons) {
      auto event = ParseEvent(json);
      ASSERT_TRUE(event.ok()) << event.status().ToString() << " " << json;
      const std::uint64_t id = (*writer)->next_id();
      event->id = static_cast<std::int64_t>(id);
      event->timestamp_ns = kBaseTimestamp + static_cast<std::int64_t>(id) * 1'000'000'000;
      ASSERT_TRUE((*writer)->Append(RecordMetaFromEvent(id, *event), EventToJson(*event)).ok());
    }
    if (abandon_next) {
      ASSERT_TRUE((*writer)->AppendAbandoned((*writer)->next_id()).ok());
    }
    ASSERT_TRUE((*writer)->Close().ok());
  }

  std::unique_ptr<Store> OpenStore(StoreOptions options = {}) {
    auto store = Store::Open(tmp_.path(), "abc", "", options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static EventFilter Filter(const Spec& spec) {
    auto filter = EventFilter::Make(spec.spec);
    EXPECT_TRUE(filter.ok()) << filter.status().ToString();
    return filter.ok() ? std::move(*filter) : EventFilter();
  }

  // Ids of a search.
  static std::vector<std::int64_t> Ids(const Store& store, const SearchQuery& query) {
    std::vector<std::int64_t> ids;
    EventIterator it = store.Search(query);
    while (it.Next()) ids.push_back(it.meta().id);
    EXPECT_TRUE(it.status().ok()) << it.status().ToString();
    return ids;
  }

  // `content` of the observations a search returns.
  static std::vector<std::string> Contents(const Store& store, const SearchQuery& query) {
    std::vector<std::string> out;
    auto events = store.SearchEvents(query);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    for (const Event& e : *events) out.push_back(e.content);
    return out;
  }

  void AddNumbered(int count) {
    std::vector<std::string> events;
    for (int i = 0; i < count; ++i) events.push_back(NullObservation("test" + std::to_string(i)));
    Add(events);
  }

  TempDir tmp_;
};

using V = std::vector<std::int64_t>;
using S = std::vector<std::string>;

TEST_F(StoreTest, OpeningAStreamWithoutStoreIsNotFound) {
  EXPECT_TRUE(Store::Open(tmp_.path(), "nothing", "").status().IsNotFound());
  EXPECT_TRUE(Store::Open(tmp_.path(), "../etc", "").status().IsInvalidArgument());
}

TEST_F(StoreTest, AnEmptyStoreHasLatestIdMinusOne) {
  Add({});
  auto store = OpenStore();
  EXPECT_EQ(store->GetLatestEventId(), -1);
  EXPECT_TRUE(store->GetLatestEvent().status().IsNotFound());
  EXPECT_TRUE(Ids(*store, Q()).empty());
}

TEST_F(StoreTest, UsesOpenHandsUserLayoutWhenAUserIdIsGiven) {
  auto writer = StoreWriter::Open(EvbusDir(tmp_.path(), "abc", "u1").value(), {});
  ASSERT_TRUE(writer.ok());
  writer->reset();
  EXPECT_TRUE(Store::Open(tmp_.path(), "abc", "u1").ok());
  EXPECT_TRUE(Store::OpenDir(tmp_.path() + "/users/u1/conversations/abc/evbus").ok());
}

TEST_F(StoreTest, SearchLimitsLikeOpenHands) {  // test_search_events_limit
  AddNumbered(10);
  Add({NullObservation("filter_me")});
  auto store = OpenStore();
  EXPECT_EQ(Ids(*store, Q()).size(), 11u);
  EXPECT_EQ(Contents(*store, Q().limit(5)), (S{"test0", "test1", "test2", "test3", "test4"}));
  EXPECT_EQ(Contents(*store, Q().start(5).limit(3)), (S{"test5", "test6", "test7"}));
  EXPECT_EQ(Contents(*store, Q().end(9).reverse(true).limit(4)),
            (S{"test9", "test8", "test7", "test6"}));
  const EventFilter query = Filter(Spec().query("filter"));
  EXPECT_EQ(Contents(*store, Q().filter(&query).limit(1)), (S{"filter_me"}));
}

TEST_F(StoreTest, SearchLimitEdgeCasesLikeOpenHands) {  // test_search_events_limit_edge_cases
  AddNumbered(5);
  auto store = OpenStore();
  EXPECT_EQ(Ids(*store, Q().limit(std::nullopt)).size(), 5u);
  EXPECT_EQ(Ids(*store, Q().limit(10)).size(), 5u);
  EXPECT_EQ(Ids(*store, Q().limit(0)).size(), 5u);
  EXPECT_EQ(Ids(*store, Q().limit(-1)), (V{0}));
  const EventFilter nothing = Filter(Spec().query("nonexistent"));
  EXPECT_TRUE(Ids(*store, Q().filter(&nothing)).empty());
  EXPECT_TRUE(Ids(*store, Q().start(10)).empty());
  EXPECT_TRUE(Ids(*store, Q().start(10).reverse(true)).empty());
}

TEST_F(StoreTest, EndIdIsInclusiveAndReverseKeepsStartAsLowerBound) {
  AddNumbered(20);  // test_cache_page_partial_retrieval
  auto store = OpenStore();
  EXPECT_EQ(Ids(*store, Q().start(3).end(12)), (V{3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));
  EXPECT_EQ(Ids(*store, Q().start(3).end(12).reverse(true)), (V{12, 11, 10, 9, 8, 7, 6, 5, 4, 3}));
  EXPECT_EQ(Ids(*store, Q().start(15).reverse(true)), (V{19, 18, 17, 16, 15}));
  EXPECT_EQ(Ids(*store, Q().start(15).reverse(true).limit(2)), (V{19, 18}));
  EXPECT_EQ(Ids(*store, Q().start(18).end(100)), (V{18, 19}));
  EXPECT_EQ(Ids(*store, Q().start(-5).end(1)), (V{0, 1}));
}

TEST_F(StoreTest, TypeFiltersLikeOpenHands) {  // test_get_matching_events_type_filter
  Add({NullAction(), NullObservation("test"), NullAction(), MessageAction("test")});
  auto store = OpenStore();
  const EventFilter null_action = Filter(Spec().include(std::vector<std::string>{"NullAction"}));
  EXPECT_EQ(Ids(*store, Q().filter(&null_action)), (V{0, 2}));
  const EventFilter null_obs = Filter(Spec().include(std::vector<std::string>{"NullObservation"}));
  EXPECT_EQ(Ids(*store, Q().filter(&null_obs)), (V{1}));
  const EventFilter two =
      Filter(Spec().include(std::vector<std::string>{"NullAction", "MessageAction"}));
  EXPECT_EQ(Ids(*store, Q().filter(&two)), (V{0, 2, 3}));
  EXPECT_EQ(Ids(*store, Q().reverse(true).filter(&two).limit(3)), (V{3, 2, 0}));
  const EventFilter actions = Filter(Spec().include(std::vector<std::string>{"Action"}));
  EXPECT_EQ(Ids(*store, Q().filter(&actions)), (V{0, 2, 3}));
  const EventFilter no_actions = Filter(Spec().exclude(std::vector<std::string>{"Action"}));
  EXPECT_EQ(Ids(*store, Q().filter(&no_actions)), (V{1}));
}

TEST_F(StoreTest, QueryIsCaseInsensitiveOverTheJson) {  // test_get_matching_events_query_search
  Add({NullObservation("hello world"), NullObservation("test message"),
       NullObservation("another hello")});
  auto store = OpenStore();
  const EventFilter lower = Filter(Spec().query("hello"));
  const EventFilter upper = Filter(Spec().query("HELLO"));
  const EventFilter none = Filter(Spec().query("nonexistent"));
  const EventFilter key = Filter(Spec().query("extras"));
  EXPECT_EQ(Ids(*store, Q().filter(&lower)), (V{0, 2}));
  EXPECT_EQ(Ids(*store, Q().filter(&upper)), (V{0, 2}));
  EXPECT_TRUE(Ids(*store, Q().filter(&none)).empty());
  EXPECT_EQ(Ids(*store, Q().filter(&key)).size(), 3u);  // keys are searched too
}

TEST_F(StoreTest, SourceFilterLikeOpenHands) {  // test_get_matching_events_source_filter
  Add({NullObservation("a"), NullObservation("b", "environment"), NullObservation("c")});
  auto store = OpenStore();
  const EventFilter agent = Filter(Spec().source("agent"));
  const EventFilter env = Filter(Spec().source("environment"));
  EXPECT_EQ(Ids(*store, Q().filter(&agent)), (V{0, 2}));
  EXPECT_EQ(Ids(*store, Q().filter(&env)), (V{1}));
}

TEST_F(StoreTest, PaginationLikeOpenHands) {  // test_get_matching_events_pagination
  AddNumbered(5);
  auto store = OpenStore();
  EXPECT_EQ(Ids(*store, Q().limit(3)).size(), 3u);
  EXPECT_EQ(Contents(*store, Q().start(2)), (S{"test2", "test3", "test4"}));
  EXPECT_EQ(Contents(*store, Q().start(1).limit(2)), (S{"test1", "test2"}));
}

TEST_F(StoreTest, CombinedFiltersCountTowardsTheLimitOnlyWhenMatching) {
  // test_search_events_limit_with_complex_filters
  Add({NullAction(), NullObservation("test1"), MessageAction("hello", "user"),
       NullObservation("test3", "environment"), NullAction(), NullObservation("x", "environment"),
       MessageAction("hello again")});
  auto store = OpenStore();
  const EventFilter null_action = Filter(Spec().include(std::vector<std::string>{"NullAction"}));
  EXPECT_EQ(Ids(*store, Q().filter(&null_action).limit(1)), (V{0}));
  const EventFilter user = Filter(Spec().source("user"));
  EXPECT_EQ(Ids(*store, Q().filter(&user).limit(1)), (V{2}));
  const EventFilter hello = Filter(Spec().query("hello"));
  EXPECT_EQ(Ids(*store, Q().filter(&hello).limit(2)), (V{2, 6}));
  const EventFilter agent_obs =
      Filter(Spec().include(std::vector<std::string>{"NullObservation"}).source("agent"));
  EXPECT_EQ(Ids(*store, Q().filter(&agent_obs).limit(1)), (V{1}));
  const EventFilter agent = Filter(Spec().source("agent"));
  EXPECT_EQ(Ids(*store, Q().reverse(true).filter(&agent).limit(2)), (V{6, 4}));
}

TEST_F(StoreTest, HiddenAndDateFiltersRunOnHeaders) {
  Add({NullObservation("a"), HiddenCommand("ls"), NullObservation("c"), NullObservation("d")});
  auto store = OpenStore();
  const EventFilter visible = Filter(Spec().exclude_hidden(true));
  EXPECT_EQ(Ids(*store, Q().filter(&visible)), (V{0, 2, 3}));
  // ids are stamped base + id seconds, base = 2025-01-01T00:00:00Z.
  const EventFilter dates =
      Filter(Spec().start_date("2025-01-01T00:00:01Z").end_date("2025-01-01T00:00:02Z"));
  EXPECT_EQ(Ids(*store, Q().filter(&dates)), (V{1, 2}));
  const EventFilter both = Filter(Spec()
                                      .exclude_hidden(true)
                                      .start_date("2025-01-01T00:00:01Z")
                                      .end_date("2025-01-01T00:00:02Z"));
  EXPECT_EQ(Ids(*store, Q().filter(&both)), (V{2}));
}

TEST_F(StoreTest, GetEventReturnsTheEventAndItsJson) {
  Add({MessageAction("hi", "user"), NullObservation("out")});
  auto store = OpenStore();
  auto event = store->GetEvent(1);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->id, 1);
  EXPECT_EQ(event->content, "out");
  EXPECT_EQ(event->timestamp_ns, kBaseTimestamp + 1'000'000'000);
  auto json = store->GetEventJson(0);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(json->meta.source, Source::kUser);
  EXPECT_NE(json->json.find("\"id\":0"), std::string::npos);
  EXPECT_TRUE(store->GetEvent(2).status().IsNotFound());
  EXPECT_TRUE(store->GetEvent(-1).status().IsNotFound());
  auto latest = store->GetLatestEvent();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->id, 1);
}

TEST_F(StoreTest, AbandonedIdsReadAsMissing) {
  Add({NullObservation("a")}, /*abandon_next=*/true);
  Add({NullObservation("c")});
  auto store = OpenStore();
  EXPECT_EQ(store->GetLatestEventId(), 2);
  auto missing = store->GetEvent(1);
  ASSERT_TRUE(missing.status().IsNotFound());
  EXPECT_NE(missing.status().message().find("abandoned by its producer or lost"),
            std::string::npos);
  EXPECT_EQ(Ids(*store, Q()), (V{0, 2}));
  EXPECT_EQ(Ids(*store, Q().limit(2)), (V{0, 2}));  // limit counts only yielded events
}

TEST_F(StoreTest, SeesEventsAppendedAfterItWasOpened) {
  AddNumbered(3);
  auto store = OpenStore();
  EXPECT_EQ(store->GetLatestEventId(), 2);
  Add({NullObservation("late")});
  EXPECT_EQ(store->GetLatestEventId(), 3);
  auto late = store->GetEvent(3);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->content, "late");
}

TEST_F(StoreTest, ReportsADamagedRecordAndSkipsOnlyIt) {
  AddNumbered(10);
  auto pages = ListPages(Env::Default(), PagesDir(evbus_dir()));
  std::string bytes;
  ASSERT_TRUE(Env::Default()->ReadFile(pages->front().path, &bytes).ok());
  auto page = ParsePage("p", bytes, {}, nullptr);
  const std::uint32_t offset = page->offsets[4];
  bytes[offset + kRecordHeaderSize + 3] ^= 0x20;
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(pages->front().path, bytes, 0600).ok());
  CollectingReporter reporter;
  auto store = OpenStore(Opts().reporter(&reporter));
  EXPECT_EQ(Ids(*store, Q()), (V{0, 1, 2, 3, 5, 6, 7, 8, 9}));
  ASSERT_FALSE(reporter.reports.empty());
  EXPECT_EQ(reporter.reports[0].file, pages->front().path);
  EXPECT_EQ(reporter.reports[0].offset, offset);
  EXPECT_TRUE(store->GetEvent(4).status().IsNotFound());
}

TEST_F(StoreTest, PageCacheCountsHitsAndMissesAndStaysBounded) {
  {
    StoreWriterOptions options;
    options.max_page_records = 10;
    auto writer = StoreWriter::Open(evbus_dir(), options);
    ASSERT_TRUE(writer.ok());
    for (std::uint64_t id = 0; id < 50; ++id) {
      auto event = ParseEvent(NullObservation("x"));
      event->id = static_cast<std::int64_t>(id);
      ASSERT_TRUE((*writer)->Append(RecordMetaFromEvent(id, *event), EventToJson(*event)).ok());
    }
  }
  auto store = OpenStore(Opts().cache_pages(2));
  EXPECT_EQ(Ids(*store, Q()).size(), 50u);  // 5 pages, each loaded once
  EXPECT_EQ(store->cache_stats().misses, 5u);
  EXPECT_EQ(store->cache_stats().pages, 2u);
  ASSERT_TRUE(store->GetEvent(45).ok());  // page 4 still cached
  EXPECT_EQ(store->cache_stats().hits, 1u);
  ASSERT_TRUE(store->GetEvent(5).ok());  // page 0 was evicted
  EXPECT_EQ(store->cache_stats().misses, 6u);
}

TEST_F(StoreTest, OpensTwentyThousandEventsWithoutReadingThemAll) {
  std::vector<std::string> events(20000, NullObservation(std::string(400, 'x')));
  Add(events);
  std::vector<double> micros;
  for (int i = 0; i < 21; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto store = OpenStore();
    const std::int64_t latest = store->GetLatestEventId();
    micros.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count());
    ASSERT_EQ(latest, 19999);
    EXPECT_EQ(store->cache_stats().misses, 0u);  // no page was loaded
  }
  std::sort(micros.begin(), micros.end());
  std::printf("open + GetLatestEventId on 20,000 events: median %.0f us\n", micros[10]);
  EXPECT_LT(micros[10], 5000.0);  // 1 ms on an idle machine; slack for a loaded CI box
}

}  // namespace
}  // namespace evbus::persist
