// OpenHands' own EventStream tests (tests/unit/events/test_event_stream.py),
// replayed at the filter level on events serialized by evbus: what each
// upstream search asserts must hold for EventFilter::MatchesEvent over the
// same events, in id order, with the same reverse/limit reading.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/case_fold_search.h"
#include "core/event.h"
#include "core/event_filter.h"
#include "core/event_types.h"

namespace evbus {
namespace {

EventTypeId TypeOf(EventKind kind, std::string_view tag) {
  Result<EventTypeId> type = EventTypeFromTag(kind, tag);
  EXPECT_TRUE(type.ok()) << type.status().ToString();
  return type.ok() ? type.value() : kInvalidEventType;
}

Event NullAction(Source source = Source::kAgent) {
  Event event;
  event.source = source;
  event.type = TypeOf(EventKind::kAction, "null");
  event.message = "No action";
  event.args_json = "{}";
  return event;
}

Event NullObservation(std::string content, Source source = Source::kAgent) {
  Event event;
  event.source = source;
  event.type = TypeOf(EventKind::kObservation, "null");
  event.message = "No observation";
  event.content = std::move(content);
  event.extras_json = "{}";
  return event;
}

Event MessageAction(const std::string& content, Source source = Source::kAgent) {
  Event event;
  event.source = source;
  event.type = TypeOf(EventKind::kAction, "message");
  event.message = content;
  event.args_json = "{\"content\":\"" + content +
                    "\",\"file_urls\":null,\"image_urls\":null,\"wait_for_response\":false,"
                    "\"security_risk\":-1}";
  return event;
}

// Ids 0..n-1 in order, as add_event assigns them.
std::vector<Event> Numbered(std::vector<Event> events) {
  for (std::size_t i = 0; i < events.size(); ++i) events[i].id = static_cast<std::int64_t>(i);
  return events;
}

// The ids search_events(filter, reverse, limit) yields over `events`: the
// filter first, then the limit counts matches (0 = unlimited).
std::vector<std::int64_t> MatchingIds(const std::vector<Event>& events, const EventFilterSpec& spec,
                                      bool reverse = false, std::size_t limit = 0) {
  Result<EventFilter> filter = EventFilter::Make(spec);
  EXPECT_TRUE(filter.ok()) << filter.status().ToString();
  std::vector<std::int64_t> ids;
  if (!filter.ok()) return ids;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event& event = events[reverse ? events.size() - 1 - i : i];
    if (filter->MatchesEvent(event)) ids.push_back(event.id);
    if (limit != 0 && ids.size() == limit) break;
  }
  return ids;
}

using Ids = std::vector<std::int64_t>;

// test_get_matching_events_type_filter
TEST(EventFilterOpenHandsTest, TypeFilterMatchesUpstream) {
  const std::vector<Event> events =
      Numbered({NullAction(), NullObservation("test"), NullAction(), MessageAction("test")});
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithIncludeTypes({"NullAction"})), (Ids{0, 2}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithIncludeTypes({"NullObservation"})), (Ids{1}));
  EXPECT_EQ(
      MatchingIds(events, EventFilterSpec().WithIncludeTypes({"NullAction", "MessageAction"})),
      (Ids{0, 2, 3}));
  EXPECT_EQ(MatchingIds(events, {}, /*reverse=*/true, /*limit=*/3), (Ids{3, 2, 1}));
}

// test_get_matching_events_query_search
TEST(EventFilterOpenHandsTest, QuerySearchMatchesUpstream) {
  const std::vector<Event> events =
      Numbered({NullObservation("hello world"), NullObservation("test message"),
                NullObservation("another hello")});
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("hello")), (Ids{0, 2}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("HELLO")), (Ids{0, 2}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("nonexistent")), (Ids{}));
}

// test_get_matching_events_source_filter, including the event whose source
// was removed on disk.
TEST(EventFilterOpenHandsTest, SourceFilterMatchesUpstream) {
  std::vector<Event> events =
      Numbered({NullObservation("test1", Source::kAgent),
                NullObservation("test2", Source::kEnvironment), NullObservation("test3")});
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithSource("agent")), (Ids{0, 2}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithSource("environment")), (Ids{1}));

  Event no_source = events[0];
  no_source.source = Source::kNone;
  EXPECT_FALSE(EventFilter::Make(EventFilterSpec().WithSource("agent"))->MatchesEvent(no_source));
  EXPECT_TRUE(EventFilter::Make({})->MatchesEvent(no_source));
  events[1] = no_source;
  events[1].id = 1;
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithSource("agent")), (Ids{0, 2}));
}

// test_search_events_limit_with_complex_filters
TEST(EventFilterOpenHandsTest, CombinedFiltersWithLimitMatchUpstream) {
  const std::vector<Event> events = Numbered({
      NullAction(Source::kAgent),                    // 0
      NullObservation("test", Source::kAgent),       // 1
      MessageAction("hello", Source::kUser),         // 2
      NullObservation("x", Source::kEnvironment),    // 3
      NullAction(Source::kAgent),                    // 4
      MessageAction("bye", Source::kUser),           // 5
      MessageAction("Hello again", Source::kAgent),  // 6
  });
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithIncludeTypes({"NullAction"}), false, 1),
            (Ids{0}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithSource("user"), false, 1), (Ids{2}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("hello"), false, 2), (Ids{2, 6}));
  EXPECT_EQ(MatchingIds(events,
                        EventFilterSpec().WithIncludeTypes({"NullObservation"}).WithSource("agent"),
                        false, 1),
            (Ids{1}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithSource("agent"), /*reverse=*/true, 2),
            (Ids{6, 4}));
}

// The query runs over the whole serialized event, keys and metadata included.
TEST(EventFilterOpenHandsTest, QueryMatchesKeysAndMetadataOfSerializedEvent) {
  const std::vector<Event> events =
      Numbered({NullAction(Source::kAgent), NullObservation("x", Source::kUser)});
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("EXTRAS")), (Ids{1}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("agent")), (Ids{0}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("no observation")), (Ids{1}));
}

// Deliberate difference (docs/compat.md): evbus writes compact JSON, so a
// query spelled with OpenHands' ": " separator does not match.
TEST(EventFilterOpenHandsTest, QueryRunsOverCompactJson) {
  const std::vector<Event> events = Numbered({NullAction(Source::kUser)});
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("\"source\":\"user\"")), (Ids{0}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("\"source\": \"user\"")), (Ids{}));
}

// Deliberate difference (docs/compat.md): the JSON is UTF-8, so a non-ASCII
// query finds the same text; OpenHands' \uXXXX escapes never match it.
TEST(EventFilterOpenHandsTest, NonAsciiQueryMatchesUtf8Text) {
  const std::vector<Event> events =
      Numbered({MessageAction("caf\xC3\xA9 au lait"), MessageAction("cafe")});
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("CAF\xC3\xA9")), (Ids{0}));
  EXPECT_EQ(MatchingIds(events, EventFilterSpec().WithQuery("\\u00e9")), (Ids{}));
}

// _get_contextual_events' filter: hidden events and state noise dropped.
TEST(EventFilterOpenHandsTest, ContextualEventsFilterDropsHiddenAndNoise) {
  Event hidden_run;
  hidden_run.source = Source::kAgent;
  hidden_run.type = TypeOf(EventKind::kAction, "run");
  hidden_run.args_json = R"({"command":"ls","hidden":true})";
  hidden_run.hidden = true;
  Event state;
  state.type = TypeOf(EventKind::kAction, "change_agent_state");
  state.args_json = R"({"agent_state":"running"})";
  const std::vector<Event> events =
      Numbered({MessageAction("hi"), hidden_run, state, NullObservation(""), NullAction()});
  const EventFilterSpec contextual = EventFilterSpec().WithExcludeHidden().WithExcludeTypes(
      {"NullAction", "NullObservation", "ChangeAgentStateAction", "AgentStateChangedObservation"});
  EXPECT_EQ(MatchingIds(events, contextual), (Ids{0}));
}

// Real events: for word queries (no separators, escapes or non-ASCII) evbus
// must agree with OpenHands' own text, line by line, on recorded events.
TEST(EventFilterOpenHandsTest, WordQueriesAgreeWithOpenHandsOnRecordedEvents) {
  std::ifstream in(EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories/canonical.jsonl");
  ASSERT_TRUE(in) << "canonical.jsonl must lie in tests/data/openhands-trajectories";
  const std::vector<std::string> queries = {
      "2048",     "STR_REPLACE_EDITOR", "finish",  "exit code",
      "Awaiting", "tool_call_id",       "python3", "zzzz"};
  int lines = 0;
  std::vector<int> matched(queries.size(), 0);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    Result<Event> event = ParseEvent(line);
    ASSERT_TRUE(event.ok()) << "line " << lines << ": " << event.status().ToString();
    std::string folded_line = line;
    for (char& c : folded_line) c = FoldAscii(c);
    for (std::size_t q = 0; q < queries.size(); ++q) {
      std::string folded_query = queries[q];
      for (char& c : folded_query) c = FoldAscii(c);
      const bool openhands = folded_line.find(folded_query) != std::string::npos;
      Result<EventFilter> filter = EventFilter::Make(EventFilterSpec().WithQuery(queries[q]));
      ASSERT_TRUE(filter.ok());
      EXPECT_EQ(filter->MatchesEvent(event.value()), openhands)
          << "query \"" << queries[q] << "\" on line " << lines;
      matched[q] += openhands ? 1 : 0;
    }
    ++lines;
  }
  EXPECT_EQ(lines, 36);
  EXPECT_GT(matched[0], 0);      // the recorded queries do select something...
  EXPECT_LT(matched[0], lines);  // ...and not everything
  EXPECT_EQ(matched.back(), 0);
}

}  // namespace
}  // namespace evbus
