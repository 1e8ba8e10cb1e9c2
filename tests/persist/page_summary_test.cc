// PageSummary and the search that uses it: a page's ranges let a filter skip
// it whole, and a search over the header column returns exactly what a
// record-by-record check of every event would, in both directions, across
// pages, with abandoned ids and limits.
#include "persist/page_summary.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/timestamp.h"
#include "persist/record_convert.h"
#include "persist/store.h"
#include "persist/store_writer.h"
#include "tests/persist/persist_test_util.h"

namespace evbus::persist {
namespace {

using testing::TempDir;

constexpr std::int64_t kBaseNs = 1'750'000'000'000'000'000;

Event MakeEvent(std::int64_t id) {
  Event event;
  event.type = id % 3 == 0 ? EventTypeFromTag(EventKind::kAction, "run").value()
                           : EventTypeFromTag(EventKind::kObservation, "run").value();
  event.source =
      id % 3 == 0 ? Source::kAgent : (id % 3 == 1 ? Source::kEnvironment : Source::kUser);
  if (id % 11 != 5) event.timestamp_ns = kBaseNs + id * 1'000'000'000;
  event.hidden = id % 4 == 1;
  event.content = "output of step " + std::to_string(id) + (id % 9 == 0 ? " needle" : "");
  return event;
}

class PageSummaryTest : public ::testing::Test {
 protected:
  // `count` events in pages of 64, ids divisible by 37 abandoned.
  void Write(std::int64_t count) {
    StoreWriterOptions options;
    options.sync_policy = SyncPolicy::kNever;
    options.max_page_records = 64;
    auto writer = StoreWriter::Open(EvbusDir(tmp_.path(), "s", "").value(), options);
    ASSERT_TRUE(writer.ok());
    for (std::int64_t id = 0; id < count; ++id) {
      const auto uid = static_cast<std::uint64_t>(id);
      if (id % 37 == 36) {
        ASSERT_TRUE((*writer)->AppendAbandoned(uid).ok());
        continue;
      }
      Event event = MakeEvent(id);
      event.id = id;
      ASSERT_TRUE((*writer)->Append(RecordMetaFromEvent(uid, event), EventToJson(event)).ok());
    }
    ASSERT_TRUE((*writer)->Close().ok());
    store_ = Store::Open(tmp_.path(), "s", "").value();
  }

  // Ids a record-by-record check finds, in search order.
  std::vector<std::int64_t> Expected(const SearchQuery& q) const {
    std::vector<std::int64_t> ids;
    const std::int64_t latest = store_->latest_id();
    const std::int64_t hi = q.end_id ? std::min(*q.end_id, latest) : latest;
    for (std::int64_t id = q.start_id; id <= hi; ++id) {
      auto event = store_->GetEventJson(id);
      if (!event.ok()) continue;
      if (q.filter == nullptr || q.filter->Matches(event->meta, event->json)) ids.push_back(id);
    }
    if (q.reverse) std::reverse(ids.begin(), ids.end());
    const std::int64_t limit = q.limit.value_or(0) < 0 ? 1 : q.limit.value_or(0);
    if (limit > 0 && static_cast<std::int64_t>(ids.size()) > limit) {
      ids.resize(static_cast<std::size_t>(limit));
    }
    return ids;
  }

  std::vector<std::int64_t> Searched(const SearchQuery& q) const {
    std::vector<std::int64_t> ids;
    for (EventIterator it = store_->Search(q); it.Next();) {
      ids.push_back(it.meta().id);
      EXPECT_NE(it.json().find("\"id\":" + std::to_string(it.meta().id)), std::string::npos);
    }
    return ids;
  }

  TempDir tmp_;
  std::unique_ptr<Store> store_;
};

TEST_F(PageSummaryTest, SummarisesTheRangesOfAPage) {
  std::string bytes;
  std::vector<std::uint32_t> offsets;
  for (std::int64_t id = 10; id < 20; ++id) {
    Event event = MakeEvent(id);
    event.id = id;
    offsets.push_back(static_cast<std::uint32_t>(kFileHeaderSize + bytes.size()));
    AppendRecord(RecordMetaFromEvent(static_cast<std::uint64_t>(id), event), EventToJson(event),
                 &bytes);
  }
  std::string page;
  AppendFileHeader(10, &page);
  page += bytes;
  ParsedPage parsed;
  parsed.first_id = 10;
  parsed.offsets = offsets;
  const PageSummary summary = PageSummary::Build(page, parsed);
  ASSERT_EQ(summary.records.size(), 10u);
  EXPECT_EQ(summary.records[3].meta.id, 13);
  EXPECT_EQ(summary.min_timestamp_ns, kBaseNs + 10 * 1'000'000'000LL);
  EXPECT_EQ(summary.max_timestamp_ns, kBaseNs + 19 * 1'000'000'000LL);
  EXPECT_TRUE(summary.any_without_timestamp);  // id 16
  EXPECT_TRUE(summary.any_visible);

  auto filter = [](EventFilterSpec spec) { return EventFilter::Make(spec).value(); };
  EXPECT_TRUE(summary.MayMatch(filter(EventFilterSpec().WithSource("user"))));
  EXPECT_FALSE(summary.MayMatch(filter(EventFilterSpec().WithIncludeTypes({"MessageAction"}))));
  EXPECT_FALSE(summary.MayMatch(
      filter(EventFilterSpec().WithIncludeTypes({"CmdRunAction"}).WithExcludeTypes({"Action"}))));
  // Id 16 has no timestamp and passes any date condition: no skip.
  const std::string after = FormatTimestamp(kBaseNs + 100 * 1'000'000'000LL);
  EXPECT_TRUE(summary.MayMatch(filter(EventFilterSpec().WithStartDate(after))));

  parsed.offsets.resize(6);  // ids 10..15: all with timestamps
  const PageSummary dated = PageSummary::Build(page, parsed);
  EXPECT_FALSE(dated.any_without_timestamp);
  EXPECT_FALSE(dated.MayMatch(filter(EventFilterSpec().WithStartDate(after))));
  const std::string before = FormatTimestamp(kBaseNs);
  EXPECT_FALSE(dated.MayMatch(filter(EventFilterSpec().WithEndDate(before))));
  EXPECT_TRUE(dated.MayMatch(filter(EventFilterSpec().WithEndDate(after))));
}

TEST_F(PageSummaryTest, SearchMatchesARecordByRecordCheckForEveryFilter) {
  Write(1000);
  std::vector<EventFilterSpec> specs = {
      EventFilterSpec(),
      EventFilterSpec().WithSource("agent"),
      EventFilterSpec().WithIncludeTypes({"CmdOutputObservation"}),
      EventFilterSpec().WithExcludeTypes({"Observation"}),
      EventFilterSpec().WithExcludeHidden(),
      EventFilterSpec()
          .WithStartDate(FormatTimestamp(kBaseNs + 300 * 1'000'000'000LL))
          .WithEndDate(FormatTimestamp(kBaseNs + 420 * 1'000'000'000LL)),
      EventFilterSpec().WithQuery("NEEDLE"),
      EventFilterSpec().WithSource("environment").WithExcludeHidden().WithQuery("step 4"),
  };
  for (const EventFilterSpec& spec : specs) {
    const EventFilter filter = EventFilter::Make(spec).value();
    for (const bool reverse : {false, true}) {
      for (const auto& [start, end, limit] : std::vector<
               std::tuple<std::int64_t, std::optional<std::int64_t>, std::optional<std::int64_t>>>{
               {0, std::nullopt, std::nullopt},
               {60, 700, std::nullopt},
               {63, 64, std::nullopt},
               {100, 900, 7},
               {0, std::nullopt, -1},
               {999, 5000, std::nullopt},
               {1200, std::nullopt, 0}}) {
        SearchQuery q;
        q.start_id = start;
        q.end_id = end;
        q.limit = limit;
        q.reverse = reverse;
        q.filter = &filter;
        EXPECT_EQ(Searched(q), Expected(q))
            << "query '" << spec.query << "' source '" << spec.source << "' start " << start
            << " reverse " << reverse;
      }
    }
  }
}

TEST_F(PageSummaryTest, DateFilterReturnsOnlyEventsInRangeAndUndatedOnes) {
  Write(1000);
  const EventFilter late = EventFilter::Make(EventFilterSpec().WithStartDate(
                                                 FormatTimestamp(kBaseNs + 990 * 1'000'000'000LL)))
                               .value();
  SearchQuery q;
  q.filter = &late;
  const std::vector<std::int64_t> ids = Searched(q);
  // Only the last ids (and those without a timestamp, which pass any date).
  ASSERT_FALSE(ids.empty());
  for (std::int64_t id : ids) EXPECT_TRUE(id >= 990 || id % 11 == 5) << id;
  EXPECT_EQ(ids, Expected(q));
}

}  // namespace
}  // namespace evbus::persist
