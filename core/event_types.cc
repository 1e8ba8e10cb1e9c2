// The registry of OpenHands event classes.
//
// Ids are stable forever: they are written into shared-memory record headers
// and into store pages, so a reader built later must map an old id to the
// same class. The table is therefore APPEND-ONLY:
//   - never reorder, remove or renumber an entry;
//   - a new class gets the next free id at the end of the table, whatever its
//     kind (actions and observations may interleave from id 40 on);
//   - a class OpenHands retires keeps its id (it still names old records).
//
// Ids 0-20 are the 21 actions and ids 21-39 the 19 observations that
// OpenHands' serialization/action.py and serialization/observation.py can
// deserialize, each group in the order of those modules' registries.
#include "core/event_types.h"

#include <array>
#include <string>

namespace evbus {
namespace {

constexpr EventKind kA = EventKind::kAction;
constexpr EventKind kO = EventKind::kObservation;

// Append-only. The id is the index; the static_assert below checks it.
constexpr std::array<EventTypeInfo, 40> kEventTypes = {{
    {0, kA, "null", "NullAction"},
    {1, kA, "run", "CmdRunAction"},
    {2, kA, "run_ipython", "IPythonRunCellAction"},
    {3, kA, "browse", "BrowseURLAction"},
    {4, kA, "browse_interactive", "BrowseInteractiveAction"},
    {5, kA, "read", "FileReadAction"},
    {6, kA, "write", "FileWriteAction"},
    {7, kA, "edit", "FileEditAction"},
    {8, kA, "think", "AgentThinkAction"},
    {9, kA, "finish", "AgentFinishAction"},
    {10, kA, "reject", "AgentRejectAction"},
    {11, kA, "delegate", "AgentDelegateAction"},
    {12, kA, "recall", "RecallAction"},
    {13, kA, "change_agent_state", "ChangeAgentStateAction"},
    {14, kA, "message", "MessageAction"},
    {15, kA, "system", "SystemMessageAction"},
    {16, kA, "condensation", "CondensationAction"},
    {17, kA, "condensation_request", "CondensationRequestAction"},
    {18, kA, "call_tool_mcp", "MCPAction"},
    {19, kA, "task_tracking", "TaskTrackingAction"},
    {20, kA, "loop_recovery", "LoopRecoveryAction"},
    {21, kO, "null", "NullObservation"},
    {22, kO, "run", "CmdOutputObservation"},
    {23, kO, "run_ipython", "IPythonRunCellObservation"},
    {24, kO, "browse", "BrowserOutputObservation"},
    {25, kO, "read", "FileReadObservation"},
    {26, kO, "write", "FileWriteObservation"},
    {27, kO, "edit", "FileEditObservation"},
    {28, kO, "delegate", "AgentDelegateObservation"},
    {29, kO, "success", "SuccessObservation"},
    {30, kO, "error", "ErrorObservation"},
    {31, kO, "agent_state_changed", "AgentStateChangedObservation"},
    {32, kO, "user_rejected", "UserRejectObservation"},
    {33, kO, "condense", "AgentCondensationObservation"},
    {34, kO, "think", "AgentThinkObservation"},
    {35, kO, "recall", "RecallObservation"},
    {36, kO, "mcp", "MCPObservation"},
    {37, kO, "download", "FileDownloadObservation"},
    {38, kO, "task_tracking", "TaskTrackingObservation"},
    {39, kO, "loop_detection", "LoopDetectionObservation"},
}};

constexpr bool IdsAreIndices() {
  for (std::size_t i = 0; i < kEventTypes.size(); ++i) {
    if (kEventTypes[i].id != i) return false;
  }
  return true;
}
static_assert(IdsAreIndices(), "event type ids must equal their index (append-only table)");
static_assert(kEventTypes.size() <= kMaxEventTypes, "raise kMaxEventTypes (EventTypeSet width)");

// "null, run, run_ipython, ..." (the tags of one kind) or, with
// `class_names`, "NullAction, CmdRunAction, ..." (every class).
std::string ListTypes(EventKind kind, bool class_names) {
  std::string list;
  for (const EventTypeInfo& info : kEventTypes) {
    if (!class_names && info.kind != kind) continue;
    if (!list.empty()) list += ", ";
    list += class_names ? info.class_name : info.tag;
  }
  return list;
}

}  // namespace

std::string_view EventKindName(EventKind kind) {
  return kind == EventKind::kAction ? "action" : "observation";
}

std::span<const EventTypeInfo> AllEventTypes() { return kEventTypes; }

const EventTypeInfo& GetEventType(EventTypeId id) {
  // Checked in every build type: ids come from shared memory, pages and callers.
  static constexpr EventTypeInfo kUnregistered = {kInvalidEventType, kA, "", ""};
  return id < kEventTypes.size() ? kEventTypes[id] : kUnregistered;
}

bool IsValidEventType(EventTypeId id) { return id < kEventTypes.size(); }

Result<EventTypeId> EventTypeFromTag(EventKind kind, std::string_view tag) {
  for (const EventTypeInfo& info : kEventTypes) {
    if (info.kind == kind && info.tag == tag) return info.id;
  }
  std::string msg = "unknown ";
  msg += EventKindName(kind);
  msg += " tag \"";
  msg += tag;
  msg += "\": use one of the registered ";
  msg += EventKindName(kind);
  msg += " tags: ";
  msg += ListTypes(kind, /*class_names=*/false);
  msg += " (see evbus help types)";
  return Status::InvalidArgument(std::move(msg));
}

Result<EventTypeSet> EventTypesForClass(std::string_view class_name) {
  EventTypeSet set;
  const bool all = class_name == "Event";
  const bool actions = class_name == "Action";
  const bool observations = class_name == "Observation";
  for (const EventTypeInfo& info : kEventTypes) {
    if (all || (actions && info.kind == EventKind::kAction) ||
        (observations && info.kind == EventKind::kObservation) || info.class_name == class_name) {
      set.set(info.id);
    }
  }
  if (set.any()) return set;
  std::string msg = "unknown event class \"";
  msg += class_name;
  msg += "\": use a base (Event, Action, Observation) or a registered class: ";
  msg += ListTypes(EventKind::kAction, /*class_names=*/true);
  msg += " (see evbus help types)";
  return Status::InvalidArgument(std::move(msg));
}

}  // namespace evbus
