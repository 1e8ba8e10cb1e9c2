// The three ways `evbus inspect` prints an InspectFrame: a screen for people
// (top-like), one JSON object per line, and Prometheus' text exposition
// format 0.0.4 (metric names prefixed evbus_, units in the names).
#ifndef EVBUS_TOOLS_EVBUS_INSPECT_RENDER_H_
#define EVBUS_TOOLS_EVBUS_INSPECT_RENDER_H_

#include <string>

#include "tools/evbus/inspect_frame.h"

namespace evbus::cli {

// Several lines, each ending in '\n'.
std::string RenderText(const InspectFrame& frame);
// One line, ending in '\n'.
std::string RenderJson(const InspectFrame& frame);
// HELP and TYPE before each family's samples; ends in '\n'.
std::string RenderPrometheus(const InspectFrame& frame);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_INSPECT_RENDER_H_
