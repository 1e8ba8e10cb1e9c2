#include "tools/evbus/inspect_run.h"

#include <sys/stat.h>

#include <chrono>
#include <string>

#include "shm/stats.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/inspect_frame.h"
#include "tools/evbus/inspect_render.h"
#include "tools/evbus/stop_signal.h"

namespace evbus::cli {
namespace {

using Clock = std::chrono::steady_clock;

// The shared-memory object was unlinked (evbus destroy): our mapping stays
// valid but nobody can attach any more.
bool Unlinked(const shm::Segment& segment) {
  struct stat st {};
  return fstat(segment.fd(), &st) != 0 || st.st_nlink == 0;
}

std::string Render(const InspectFrame& frame, const InspectOptions& options) {
  switch (options.format) {
    case InspectFormat::kJson:
      return RenderJson(frame);
    case InspectFormat::kPrometheus:
      return RenderPrometheus(frame);
    case InspectFormat::kText:
      break;
  }
  return RenderText(frame);
}

void Print(const std::string& frame, bool first, const InspectOptions& options) {
  if (options.format == InspectFormat::kText && options.clear_screen) {
    std::fputs("\x1b[H\x1b[2J", options.out);  // home, clear: refresh in place
  } else if (!first && options.format != InspectFormat::kJson) {
    std::fputc('\n', options.out);  // frames separated by a blank line
  }
  std::fputs(frame.c_str(), options.out);
  std::fflush(options.out);
}

}  // namespace

int RunInspector(const shm::Segment& segment, const InspectOptions& options) {
  const bool watch = options.watch_seconds > 0;
  const Clock::time_point start = Clock::now();
  double wait =
      watch && options.watch_seconds < kSampleSeconds ? options.watch_seconds : kSampleSeconds;
  shm::SegmentStats before = shm::Snapshot(segment);
  Clock::time_point before_at = Clock::now();
  for (bool first = true;; first = false) {
    const bool slept = SleepUnlessStopped(wait);
    if (!slept && !first) return kExitOk;  // a stop ends a watch; a single frame still prints
    shm::SegmentStats now = shm::Snapshot(segment);
    const Clock::time_point now_at = Clock::now();
    const double seconds = std::chrono::duration<double>(now_at - before_at).count();
    InspectFrame frame = BuildFrame(segment, before, now, seconds);
    AddCallbackMetrics(&frame);
    frame.bridges = bridge::ReadBridgeStatuses(frame.stream, frame.user);
    Print(Render(frame, options), first, options);
    if (!watch || StopRequested()) return kExitOk;
    if (Unlinked(segment)) {
      std::fprintf(stderr, "evbus inspect: stream \"%s\" was destroyed; stopping\n",
                   segment.header().stream);
      return kExitError;
    }
    if (options.max_seconds > 0 &&
        std::chrono::duration<double>(now_at - start).count() + options.watch_seconds >
            options.max_seconds) {
      return kExitOk;
    }
    before = std::move(now);
    before_at = now_at;
    wait = options.watch_seconds;
  }
}

}  // namespace evbus::cli
