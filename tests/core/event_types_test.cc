#include "core/event_types.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "core/event.h"

namespace evbus {
namespace {

TEST(EventTypesTest, RegistersTwentyOneActionsAndNineteenObservations) {
  int actions = 0;
  int observations = 0;
  for (const EventTypeInfo& info : AllEventTypes()) {
    (info.kind == EventKind::kAction ? actions : observations)++;
  }
  EXPECT_EQ(actions, 21);
  EXPECT_EQ(observations, 19);
}

TEST(EventTypesTest, IdsAreDenseAndEqualTheirIndex) {
  auto all = AllEventTypes();
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].id, i);
    EXPECT_EQ(&GetEventType(all[i].id), &all[i]);
    EXPECT_TRUE(IsValidEventType(all[i].id));
  }
  EXPECT_FALSE(IsValidEventType(static_cast<EventTypeId>(all.size())));
  EXPECT_FALSE(IsValidEventType(kInvalidEventType));
  EXPECT_LE(all.size(), kMaxEventTypes);
}

// An id read from shared memory, a page or a caller may be anything: the
// lookup answers for every value, in every build type, with an empty entry.
TEST(EventTypesTest, AnUnregisteredIdGivesAnEmptyEntryInsteadOfReadingPastTheTable) {
  const auto registered = static_cast<EventTypeId>(AllEventTypes().size());
  for (EventTypeId id : {registered, EventTypeId{63}, EventTypeId{64}, EventTypeId{977},
                         EventTypeId{0x7FFF}, kInvalidEventType}) {
    const EventTypeInfo& info = GetEventType(id);
    EXPECT_EQ(info.id, kInvalidEventType) << id;
    EXPECT_TRUE(info.tag.empty()) << id;
    EXPECT_TRUE(info.class_name.empty()) << id;
  }
  Event event;
  event.type = 977;
  EXPECT_TRUE(event.class_name().empty());
  EXPECT_TRUE(event.tag().empty());
}

// Ids go into shared memory and on disk: these must never change.
TEST(EventTypesTest, KeepsIdsStableForStoredRecords) {
  const std::pair<EventTypeId, std::string_view> pinned[] = {
      {0, "NullAction"},
      {1, "CmdRunAction"},
      {7, "FileEditAction"},
      {14, "MessageAction"},
      {20, "LoopRecoveryAction"},
      {21, "NullObservation"},
      {22, "CmdOutputObservation"},
      {31, "AgentStateChangedObservation"},
      {39, "LoopDetectionObservation"},
  };
  for (const auto& [id, name] : pinned) EXPECT_EQ(GetEventType(id).class_name, name) << id;
}

TEST(EventTypesTest, TagsAndClassNamesAreUniqueWithinAKind) {
  std::set<std::pair<EventKind, std::string_view>> tags;
  std::set<std::string_view> classes;
  for (const EventTypeInfo& info : AllEventTypes()) {
    EXPECT_TRUE(tags.insert({info.kind, info.tag}).second) << info.tag;
    EXPECT_TRUE(classes.insert(info.class_name).second) << info.class_name;
  }
}

TEST(EventTypesTest, ResolvesTheSameTagPerKind) {
  auto run_action = EventTypeFromTag(EventKind::kAction, "run");
  auto run_observation = EventTypeFromTag(EventKind::kObservation, "run");
  ASSERT_TRUE(run_action.ok());
  ASSERT_TRUE(run_observation.ok());
  EXPECT_EQ(GetEventType(run_action.value()).class_name, "CmdRunAction");
  EXPECT_EQ(GetEventType(run_observation.value()).class_name, "CmdOutputObservation");
  auto mcp = EventTypeFromTag(EventKind::kAction, "call_tool_mcp");
  ASSERT_TRUE(mcp.ok());
  EXPECT_EQ(GetEventType(mcp.value()).class_name, "MCPAction");
}

TEST(EventTypesTest, RejectsUnknownTagNamingItAndListingAccepted) {
  auto r = EventTypeFromTag(EventKind::kAction, "teleport");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("\"teleport\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("loop_recovery"), std::string::npos) << msg;
  EXPECT_NE(msg.find("evbus help types"), std::string::npos) << msg;
  // An observation-only tag is not an action.
  EXPECT_FALSE(EventTypeFromTag(EventKind::kAction, "agent_state_changed").ok());
  // Case-sensitive, as in OpenHands.
  EXPECT_FALSE(EventTypeFromTag(EventKind::kObservation, "Run").ok());
}

TEST(EventTypesTest, ExpandsBaseClassesToTheirConcreteTypes) {
  auto actions = EventTypesForClass("Action");
  auto observations = EventTypesForClass("Observation");
  auto all = EventTypesForClass("Event");
  ASSERT_TRUE(actions.ok() && observations.ok() && all.ok());
  EXPECT_EQ(actions.value().count(), 21u);
  EXPECT_EQ(observations.value().count(), 19u);
  EXPECT_EQ((actions.value() & observations.value()).count(), 0u);
  EXPECT_EQ(all.value(), actions.value() | observations.value());
  for (const EventTypeInfo& info : AllEventTypes()) {
    EXPECT_EQ(actions.value().test(info.id), info.kind == EventKind::kAction);
  }
}

TEST(EventTypesTest, MapsAConcreteClassToExactlyItself) {
  auto r = EventTypesForClass("CmdOutputObservation");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value().count(), 1u);
  EXPECT_TRUE(r.value().test(22));
}

TEST(EventTypesTest, RejectsUnknownClassNamingItAndWhatToUse) {
  auto r = EventTypesForClass("CmdRun");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument());
  const std::string& msg = r.status().message();
  EXPECT_NE(msg.find("\"CmdRun\""), std::string::npos) << msg;
  EXPECT_NE(msg.find("CmdRunAction"), std::string::npos) << msg;
  EXPECT_NE(msg.find("Observation"), std::string::npos) << msg;
}

TEST(EventTypesTest, NamesEachKindByItsJsonKey) {
  EXPECT_EQ(EventKindName(EventKind::kAction), "action");
  EXPECT_EQ(EventKindName(EventKind::kObservation), "observation");
}

}  // namespace
}  // namespace evbus
