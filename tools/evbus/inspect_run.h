// RunInspector: the loop behind `evbus inspect` (and the demo's live view):
// snapshot, wait, snapshot, print a frame; with a watch interval, again and
// again until SIGINT/SIGTERM, a time limit, or the stream disappears.
#ifndef EVBUS_TOOLS_EVBUS_INSPECT_RUN_H_
#define EVBUS_TOOLS_EVBUS_INSPECT_RUN_H_

#include <cstdio>

#include "shm/segment.h"

namespace evbus::cli {

enum class InspectFormat { kText, kJson, kPrometheus };

// Rates of a single frame (no watch) and of the first watch frame are
// measured over this interval (or the watch interval when shorter).
inline constexpr double kSampleSeconds = 0.2;

struct InspectOptions {
  InspectFormat format = InspectFormat::kText;
  double watch_seconds = 0;  // 0: one frame
  double max_seconds = 0;    // > 0: stop watching after this long (the demo)
  std::FILE* out = stdout;
  // Text frames: clear the screen and go home before each (a terminal).
  bool clear_screen = false;
};

// `segment` is a read-only mapping (Segment::OpenReadOnly). Returns an exit
// code: kExitOk when stopped by signal or limit, kExitError when the stream
// was destroyed while watching (said on stderr).
int RunInspector(const shm::Segment& segment, const InspectOptions& options);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_INSPECT_RUN_H_
