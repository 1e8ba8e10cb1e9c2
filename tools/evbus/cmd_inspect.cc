// evbus inspect: a read-only view of a live stream (see `evbus help inspect`).
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <memory>

#include "shm/segment.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/inspect_run.h"
#include "tools/evbus/stop_signal.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

constexpr double kMaxWatchSeconds = 86400;

Status ParseWatch(const std::string& text, double* seconds) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v) || v <= 0 || v > kMaxWatchSeconds) {
    return Status::InvalidArgument(
        "--watch expects a refresh interval in seconds such as 1 or "
        "0.5 (at most 86400), got \"" +
        text + "\"");
  }
  *seconds = v;
  return Status::OK();
}

}  // namespace

int CmdInspect(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--watch"}, {"--json", "--prometheus"}, {}};
  auto args = Args::Parse(argv, spec, 1, 1);
  if (!args.ok()) return UsageError("inspect", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("inspect", target.status().message());
  if (args->Has("--json") && args->Has("--prometheus")) {
    return UsageError("inspect", "--json and --prometheus exclude each other; pick one");
  }
  InspectOptions options;
  if (args->Has("--json")) options.format = InspectFormat::kJson;
  if (args->Has("--prometheus")) options.format = InspectFormat::kPrometheus;
  if (auto v = args->Get("--watch")) {
    if (Status st = ParseWatch(*v, &options.watch_seconds); !st.ok()) {
      return UsageError("inspect", st.message());
    }
  }
  options.clear_screen = isatty(STDOUT_FILENO) != 0;
  auto segment = shm::Segment::OpenReadOnly(target->stream, target->user);
  if (segment.status().IsNotFound()) return Fail("inspect", target->NotFound());
  if (!segment.ok()) return Fail("inspect", segment.status());
  InstallStopHandlers();
  return RunInspector(**segment, options);
}

}  // namespace evbus::cli
