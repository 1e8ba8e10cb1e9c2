#include "core/event_filter.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/event_meta.h"
#include "core/event_types.h"
#include "core/timestamp.h"

namespace evbus {
namespace {

EventTypeId TypeOf(std::string_view class_name) {
  for (const EventTypeInfo& info : AllEventTypes()) {
    if (info.class_name == class_name) return info.id;
  }
  ADD_FAILURE() << "no registered class " << class_name;
  return kInvalidEventType;
}

std::int64_t Ns(std::string_view iso) {
  Result<std::int64_t> ns = ParseTimestamp(iso);
  EXPECT_TRUE(ns.ok()) << iso << ": " << ns.status().ToString();
  return ns.ok() ? ns.value() : 0;
}

EventFilter MakeFilter(const EventFilterSpec& spec) {
  Result<EventFilter> filter = EventFilter::Make(spec);
  EXPECT_TRUE(filter.ok()) << filter.status().ToString();
  return filter.ok() ? filter.value() : EventFilter();
}

EventMeta Meta(std::string_view class_name, Source source = Source::kAgent) {
  EventMeta meta;
  meta.id = 0;
  meta.type = TypeOf(class_name);
  meta.source = source;
  return meta;
}

EventMeta MetaAt(std::string_view iso) {
  EventMeta meta = Meta("NullAction");
  meta.timestamp_ns = Ns(iso);
  return meta;
}

TEST(EventFilterTest, DefaultFilterMatchesEverything) {
  EventFilter filter;
  EXPECT_FALSE(filter.needs_json());
  EXPECT_TRUE(filter.MatchesMeta(Meta("NullAction")));
  EXPECT_TRUE(filter.MatchesMeta(Meta("CmdOutputObservation", Source::kNone)));
  EXPECT_TRUE(filter.Matches(Meta("MessageAction"), "{}"));
  EXPECT_TRUE(MakeFilter({}).MatchesMeta(Meta("NullObservation")));
}

TEST(EventFilterTest, IncludeTypesKeepsOnlyListedClasses) {
  EventFilter filter =
      MakeFilter(EventFilterSpec().WithIncludeTypes({"NullAction", "MessageAction"}));
  EXPECT_TRUE(filter.MatchesMeta(Meta("NullAction")));
  EXPECT_TRUE(filter.MatchesMeta(Meta("MessageAction")));
  EXPECT_FALSE(filter.MatchesMeta(Meta("NullObservation")));
  EXPECT_FALSE(filter.MatchesMeta(Meta("CmdRunAction")));
}

TEST(EventFilterTest, IncludeTypesWithBaseClassKeepsWholeKind) {
  EventFilter actions = MakeFilter(EventFilterSpec().WithIncludeTypes({"Action"}));
  EventFilter observations = MakeFilter(EventFilterSpec().WithIncludeTypes({"Observation"}));
  EventFilter events = MakeFilter(EventFilterSpec().WithIncludeTypes({"Event"}));
  for (const EventTypeInfo& info : AllEventTypes()) {
    EventMeta meta = Meta(info.class_name);
    EXPECT_EQ(actions.MatchesMeta(meta), info.kind == EventKind::kAction) << info.class_name;
    EXPECT_EQ(observations.MatchesMeta(meta), info.kind == EventKind::kObservation)
        << info.class_name;
    EXPECT_TRUE(events.MatchesMeta(meta)) << info.class_name;
  }
}

TEST(EventFilterTest, ExcludeTypesDropsListedClassesAndBases) {
  EventFilter no_nulls =
      MakeFilter(EventFilterSpec().WithExcludeTypes({"NullAction", "NullObservation"}));
  EXPECT_FALSE(no_nulls.MatchesMeta(Meta("NullAction")));
  EXPECT_FALSE(no_nulls.MatchesMeta(Meta("NullObservation")));
  EXPECT_TRUE(no_nulls.MatchesMeta(Meta("MessageAction")));

  EventFilter no_observations = MakeFilter(EventFilterSpec().WithExcludeTypes({"Observation"}));
  EXPECT_TRUE(no_observations.MatchesMeta(Meta("CmdRunAction")));
  EXPECT_FALSE(no_observations.MatchesMeta(Meta("CmdOutputObservation")));
  EXPECT_FALSE(no_observations.MatchesMeta(Meta("AgentStateChangedObservation")));
}

TEST(EventFilterTest, ExcludeTypesWinsOverIncludeTypes) {
  EventFilter filter = MakeFilter(
      EventFilterSpec().WithIncludeTypes({"Action"}).WithExcludeTypes({"ChangeAgentStateAction"}));
  EXPECT_TRUE(filter.MatchesMeta(Meta("CmdRunAction")));
  EXPECT_FALSE(filter.MatchesMeta(Meta("ChangeAgentStateAction")));
  EXPECT_FALSE(filter.MatchesMeta(Meta("NullObservation")));
}

TEST(EventFilterTest, SourceIsExactAndRejectsEventsWithoutSource) {
  EventFilter agent = MakeFilter(EventFilterSpec().WithSource("agent"));
  EXPECT_TRUE(agent.MatchesMeta(Meta("NullAction", Source::kAgent)));
  EXPECT_FALSE(agent.MatchesMeta(Meta("NullAction", Source::kUser)));
  EXPECT_FALSE(agent.MatchesMeta(Meta("NullAction", Source::kEnvironment)));
  EXPECT_FALSE(agent.MatchesMeta(Meta("NullAction", Source::kNone)));
  EXPECT_EQ(agent.source(), Source::kAgent);
  // No source filter: an event without a source is included.
  EXPECT_TRUE(
      MakeFilter(EventFilterSpec().WithSource("")).MatchesMeta(Meta("NullAction", Source::kNone)));
}

TEST(EventFilterTest, ExcludeHiddenDropsHiddenEventsOnly) {
  EventMeta hidden = Meta("CmdRunAction");
  hidden.hidden = true;
  EventMeta shown = Meta("CmdRunAction");
  EXPECT_FALSE(MakeFilter(EventFilterSpec().WithExcludeHidden(true)).MatchesMeta(hidden));
  EXPECT_TRUE(MakeFilter(EventFilterSpec().WithExcludeHidden(true)).MatchesMeta(shown));
  EXPECT_TRUE(MakeFilter(EventFilterSpec().WithExcludeHidden(false)).MatchesMeta(hidden));
}

TEST(EventFilterTest, DateBoundsAreInclusiveOnEquality) {
  const std::string at = "2025-07-18T17:01:36.799608";
  EventFilter from = MakeFilter(EventFilterSpec().WithStartDate(at));
  EventFilter until = MakeFilter(EventFilterSpec().WithEndDate(at));
  EventMeta meta = MetaAt(at);
  EXPECT_TRUE(from.MatchesMeta(meta));
  EXPECT_TRUE(until.MatchesMeta(meta));
  meta.timestamp_ns = *meta.timestamp_ns - 1000;  // one microsecond earlier
  EXPECT_FALSE(from.MatchesMeta(meta));
  EXPECT_TRUE(until.MatchesMeta(meta));
  meta.timestamp_ns = *meta.timestamp_ns + 2000;  // one microsecond later
  EXPECT_TRUE(from.MatchesMeta(meta));
  EXPECT_FALSE(until.MatchesMeta(meta));
}

TEST(EventFilterTest, DateRangeKeepsEventsBetweenBounds) {
  EventFilter day = MakeFilter(EventFilterSpec()
                                   .WithStartDate("2025-01-27T00:00:00")
                                   .WithEndDate("2025-01-27T23:59:59.999999"));
  EXPECT_TRUE(day.MatchesMeta(MetaAt("2025-01-27T22:44:56.900854")));
  EXPECT_FALSE(day.MatchesMeta(MetaAt("2025-01-26T23:59:59")));
  EXPECT_FALSE(day.MatchesMeta(MetaAt("2025-01-28T00:00:00")));
  // A date-only end bound is midnight, as in OpenHands' string compare.
  EventFilter until_new_year = MakeFilter(EventFilterSpec().WithEndDate("2025-01-01"));
  EXPECT_TRUE(until_new_year.MatchesMeta(MetaAt("2024-12-31T23:00:00")));
  EXPECT_FALSE(until_new_year.MatchesMeta(MetaAt("2025-01-01T10:00:00")));
}

// OpenHands compares the strings: "2025-07-18T15:00:00" < "2025-07-18T17:00:00+02:00"
// lexicographically, though both name the same instant when local time is UTC.
TEST(EventFilterTest, DatesWithOffsetsAreComparedAsInstants) {
  EventFilter from = MakeFilter(EventFilterSpec().WithStartDate("2025-07-18T17:00:00+02:00"));
  EventMeta meta = Meta("NullAction");
  meta.timestamp_ns = Ns("2025-07-18T15:00:00Z");
  EXPECT_TRUE(from.MatchesMeta(meta));
  meta.timestamp_ns = Ns("2025-07-18T15:59:59+01:00");  // 14:59:59Z
  EXPECT_FALSE(from.MatchesMeta(meta));
  EXPECT_EQ(*from.start_ns(), Ns("2025-07-18T15:00:00Z"));
  // The end bound's printed microsecond is included to its last nanosecond.
  EXPECT_EQ(*MakeFilter(EventFilterSpec().WithEndDate("2025-07-18T10:30:00-0530")).end_ns(),
            Ns("2025-07-18T16:00:00Z") + 999);
}

TEST(EventFilterTest, EventWithoutTimestampPassesDateBounds) {
  EventFilter range = MakeFilter(
      EventFilterSpec().WithStartDate("2030-01-01T00:00:00Z").WithEndDate("2030-01-02T00:00:00Z"));
  EventMeta meta = Meta("NullAction");
  ASSERT_FALSE(meta.timestamp_ns.has_value());
  EXPECT_TRUE(range.MatchesMeta(meta));
}

TEST(EventFilterTest, RejectsUnknownClassNamingFieldAndClass) {
  Result<EventFilter> include =
      EventFilter::Make(EventFilterSpec().WithIncludeTypes({"NullAction", "Nope"}));
  ASSERT_FALSE(include.ok());
  EXPECT_TRUE(include.status().IsInvalidArgument());
  EXPECT_NE(include.status().message().find("include_types"), std::string::npos);
  EXPECT_NE(include.status().message().find("Nope"), std::string::npos);

  Result<EventFilter> exclude =
      EventFilter::Make(EventFilterSpec().WithExcludeTypes({"nullaction"}));
  ASSERT_FALSE(exclude.ok());
  EXPECT_NE(exclude.status().message().find("exclude_types"), std::string::npos);
}

TEST(EventFilterTest, RejectsUnknownSource) {
  for (const char* bad : {"Agent", "system", " agent"}) {
    Result<EventFilter> filter = EventFilter::Make(EventFilterSpec().WithSource(bad));
    ASSERT_FALSE(filter.ok()) << bad;
    EXPECT_TRUE(filter.status().IsInvalidArgument());
    EXPECT_NE(filter.status().message().find("source"), std::string::npos);
  }
}

TEST(EventFilterTest, RejectsUnreadableDates) {
  Result<EventFilter> start = EventFilter::Make(EventFilterSpec().WithStartDate("yesterday"));
  ASSERT_FALSE(start.ok());
  EXPECT_TRUE(start.status().IsInvalidArgument());
  EXPECT_NE(start.status().message().find("start_date"), std::string::npos);
  EXPECT_NE(start.status().message().find("yesterday"), std::string::npos);

  Result<EventFilter> end = EventFilter::Make(EventFilterSpec().WithEndDate("2025-13-01"));
  ASSERT_FALSE(end.ok());
  EXPECT_NE(end.status().message().find("end_date"), std::string::npos);
}

TEST(EventFilterTest, RejectsStartDateAfterEndDate) {
  Result<EventFilter> filter = EventFilter::Make(
      EventFilterSpec().WithStartDate("2025-07-19").WithEndDate("2025-07-18T23:59:59"));
  ASSERT_FALSE(filter.ok());
  EXPECT_TRUE(filter.status().IsInvalidArgument());
  EXPECT_NE(filter.status().message().find("after"), std::string::npos);
  EXPECT_TRUE(
      EventFilter::Make(EventFilterSpec().WithStartDate("2025-07-18").WithEndDate("2025-07-18"))
          .ok());
}

TEST(EventFilterTest, QueryIsCaseInsensitiveAndOnlyNeedsJson) {
  EventFilter filter = MakeFilter(EventFilterSpec().WithQuery("HeLLo"));
  EXPECT_TRUE(filter.needs_json());
  EXPECT_EQ(filter.query(), "hello");
  EXPECT_TRUE(filter.MatchesJson(R"({"content":"Say hello"})"));
  EXPECT_TRUE(filter.MatchesJson(R"({"content":"SAY HELLO"})"));
  EXPECT_FALSE(filter.MatchesJson(R"({"content":"help"})"));
  EXPECT_FALSE(MakeFilter(EventFilterSpec().WithQuery("")).needs_json());
}

// Compile the whole filter, then hand MatchesMeta nothing but metadata: every
// condition except the query is decided, and the query is left to MatchesJson.
TEST(EventFilterTest, MatchesMetaDecidesEverythingButTheQueryFromMetadataAlone) {
  EventFilter filter = MakeFilter(EventFilterSpec()
                                      .WithExcludeHidden(true)
                                      .WithQuery("never in any metadata")
                                      .WithIncludeTypes({"Action"})
                                      .WithExcludeTypes({"NullAction"})
                                      .WithSource("user")
                                      .WithStartDate("2025-01-01T00:00:00Z")
                                      .WithEndDate("2025-12-31T00:00:00Z"));
  EventMeta meta = Meta("MessageAction", Source::kUser);
  meta.timestamp_ns = Ns("2025-06-01T00:00:00Z");
  EXPECT_TRUE(filter.MatchesMeta(meta));
  EXPECT_FALSE(filter.Matches(meta, R"({"message":"something else"})"));
  EXPECT_TRUE(filter.Matches(meta, R"({"message":"NEVER in any metadata"})"));

  EventMeta wrong = meta;
  wrong.type = TypeOf("NullAction");
  EXPECT_FALSE(filter.MatchesMeta(wrong));
  wrong = meta;
  wrong.type = TypeOf("NullObservation");
  EXPECT_FALSE(filter.MatchesMeta(wrong));
  wrong = meta;
  wrong.source = Source::kAgent;
  EXPECT_FALSE(filter.MatchesMeta(wrong));
  wrong = meta;
  wrong.timestamp_ns = Ns("2026-01-01T00:00:00Z");
  EXPECT_FALSE(filter.MatchesMeta(wrong));
  wrong = meta;
  wrong.hidden = true;
  EXPECT_FALSE(filter.MatchesMeta(wrong));
}

// The JSON handed to Matches lies on a page that faults when read: the call
// must decide from metadata without touching it whenever the metadata fails,
// and whenever there is no query.
TEST(EventFilterTest, MatchesDoesNotReadJsonWhenMetadataDecides) {
  const std::size_t page = 4096;
  void* guard = mmap(nullptr, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(guard, MAP_FAILED);
  const std::string_view unreadable(static_cast<const char*>(guard), page);

  EventFilter with_query = MakeFilter(EventFilterSpec().WithQuery("x").WithSource("agent"));
  EXPECT_FALSE(with_query.Matches(Meta("NullAction", Source::kUser), unreadable));
  EventFilter without_query = MakeFilter(EventFilterSpec().WithSource("agent"));
  EXPECT_TRUE(without_query.Matches(Meta("NullAction", Source::kAgent), unreadable));
  EXPECT_FALSE(without_query.Matches(Meta("NullAction", Source::kUser), unreadable));
  munmap(guard, page);
}

TEST(EventFilterTest, MetaFromEventCopiesEveryField) {
  Event event;
  event.id = 42;
  event.timestamp_ns = 1'752'850'896'799'608'000;
  event.source = Source::kEnvironment;
  event.type = TypeOf("CmdOutputObservation");
  event.hidden = true;
  EventMeta meta = EventMeta::FromEvent(event);
  EXPECT_EQ(meta.id, 42);
  EXPECT_EQ(meta.timestamp_ns, event.timestamp_ns);
  EXPECT_EQ(meta.source, Source::kEnvironment);
  EXPECT_EQ(meta.type, event.type);
  EXPECT_TRUE(meta.hidden);
  EXPECT_EQ(EventMeta::FromEvent(Event()), EventMeta());
}

// A caller's Event with a type or source no OpenHands event has: the filter
// answers (no match where the condition needs the type, and never a match
// of the query, since such an event has no JSON) without an assert or a
// read past the type table.
TEST(EventFilterTest, EventWithAnUnregisteredTypeOrSourceNeverReachesTheWriter) {
  Event event;
  event.type = 977;
  event.source = Source::kAgent;
  EXPECT_FALSE(MakeFilter(EventFilterSpec().WithQuery("run")).MatchesEvent(event));
  EXPECT_FALSE(MakeFilter(EventFilterSpec().WithIncludeTypes({"Action"})).MatchesEvent(event));
  EXPECT_TRUE(MakeFilter(EventFilterSpec().WithExcludeTypes({"Action"})).MatchesEvent(event));
  event.type = TypeOf("CmdRunAction");
  event.source = static_cast<Source>(9);
  EXPECT_FALSE(MakeFilter(EventFilterSpec().WithQuery("run")).MatchesEvent(event));
  EXPECT_FALSE(MakeFilter(EventFilterSpec().WithSource("agent")).MatchesEvent(event));
}

}  // namespace
}  // namespace evbus
