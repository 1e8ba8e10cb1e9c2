// evbus bench [WORKLOAD ...] [--csv] [--cpus A,B] [--time-ms N]: named
// workloads, each beside its baseline measured in the same run
// (tools/evbus/bench_harness.h lists them). stdout: a table, or CSV.
// evbus bench ipc [--csv] [--cpus A,B] [--time-ms N] [--repeat N] [--cdf DIR]: the ring
// between two processes beside the floor, a raw ring, a pipe and a Unix
// socket (tools/evbus/bench_ipc.h).
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "tools/evbus/bench_harness.h"
#include "tools/evbus/bench_ipc.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/progress.h"

namespace evbus::cli {
namespace {

constexpr const char* kName = "bench";

// "A,B" -> two CPUs this process may run on.
Status ParseCpus(const std::string& text, BenchConfig* config) {
  const long configured = ::sysconf(_SC_NPROCESSORS_CONF);
  const std::string range = "0-" + std::to_string(configured - 1);
  const auto comma = text.find(',');
  auto a = ParseInt(text.substr(0, comma), "--cpus");
  auto b = comma == std::string::npos ? a : ParseInt(text.substr(comma + 1), "--cpus");
  if (comma == std::string::npos || !a.ok() || !b.ok()) {
    return Status::InvalidArgument("--cpus expects two CPU numbers A,B (this machine has CPUs " +
                                   range + "), got \"" + text + "\"");
  }
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  (void)::sched_getaffinity(0, sizeof(allowed), &allowed);
  for (std::int64_t cpu : {*a, *b}) {
    if (cpu < 0 || cpu >= configured || cpu >= CPU_SETSIZE ||
        !CPU_ISSET(static_cast<int>(cpu), &allowed)) {
      return Status::InvalidArgument("--cpus: CPU " + std::to_string(cpu) +
                                     " does not exist or is not allowed; valid CPUs are " + range);
    }
  }
  config->cpu_a = static_cast<int>(*a);
  config->cpu_b = static_cast<int>(*b);
  return Status::OK();
}

Result<std::vector<const BenchWorkloadEntry*>> SelectWorkloads(
    const std::vector<std::string>& names) {
  std::vector<const BenchWorkloadEntry*> selected;
  std::string known;
  for (const BenchWorkloadEntry& w : BenchWorkloads()) {
    known += (known.empty() ? "" : ", ") + std::string(w.name);
    if (names.empty()) selected.push_back(&w);
  }
  for (const std::string& name : names) {
    const BenchWorkloadEntry* found = nullptr;
    for (const BenchWorkloadEntry& w : BenchWorkloads()) {
      if (w.name == name) found = &w;
    }
    if (found == nullptr) {
      return Status::InvalidArgument("no workload \"" + name + "\"; the workloads are: " + known);
    }
    selected.push_back(found);
  }
  return selected;
}

std::string MakeScratchDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/evbus-bench-XXXXXX";
  return ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
}

// `evbus bench ipc ...`: its own peers and output (tools/evbus/bench_ipc.h).
int CmdBenchIpc(const Args& args, const BenchConfig& config) {
  const std::vector<std::string>& names = args.positional();
  if (names.size() > 1) {
    return UsageError(kName, "bench ipc measures every peer in one run; drop \"" + names[1] + "\"");
  }
  IpcConfig ipc;
  ipc.cpu_a = config.cpu_a;
  ipc.cpu_b = config.cpu_b;
  if (args.Has("--time-ms")) ipc.time_per_run = config.time_per_side;
  if (auto text = args.Get("--repeat")) {
    auto n = ParseInt(*text, "--repeat");
    if (!n.ok() || *n < 1 || *n > 20) return UsageError(kName, "--repeat expects 1 to 20 rounds");
    ipc.repeats = static_cast<int>(*n);
  }
  return RunBenchIpc(ipc, args.Has("--csv"), args.GetOr("--cdf", ""));
}

}  // namespace

int CmdBench(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--cpus", "--time-ms", "--cdf", "--repeat"}, {"--csv"}, {}};
  auto args = Args::Parse(argv, spec, 0, 16);
  if (!args.ok()) return UsageError(kName, args.status().message());
  BenchConfig config;
  if (::sysconf(_SC_NPROCESSORS_ONLN) < 2) config.cpu_b = 0;
  if (auto cpus = args->Get("--cpus")) {
    if (Status st = ParseCpus(*cpus, &config); !st.ok()) return UsageError(kName, st.message());
  }
  if (auto ms = args->Get("--time-ms")) {
    auto n = ParseInt(*ms, "--time-ms");
    if (!n.ok() || *n < 1 || *n > 60'000) {
      return UsageError(kName, "--time-ms expects milliseconds per measurement, 1 to 60000");
    }
    config.time_per_side = std::chrono::milliseconds(*n);
  }
  const std::vector<std::string>& names = args->positional();
  if (!names.empty() && names.front() == "ipc") return CmdBenchIpc(*args, config);
  if (args->Has("--cdf") || args->Has("--repeat")) {
    return UsageError(kName, "--cdf and --repeat are for `evbus bench ipc` only");
  }
  auto workloads = SelectWorkloads(names);
  if (!workloads.ok()) return UsageError(kName, workloads.status().message());
  config.scratch_dir = MakeScratchDir();
  if (config.scratch_dir.empty()) {
    return Fail(kName, Status::IOError("cannot create a scratch directory under $TMPDIR or /tmp; "
                                       "set TMPDIR to a writable directory"));
  }
  if (Status st = PinToCpu(config.cpu_a); !st.ok()) return Fail(kName, st);
  std::vector<BenchFigure> figures;
  Status failed;
  Progress progress("bench:", "workloads");
  for (std::size_t i = 0; i < workloads->size() && failed.ok(); ++i) {
    const BenchWorkloadEntry& w = *(*workloads)[i];
    progress.Note("bench: " + std::string(w.name) + " (" + std::to_string(i + 1) + "/" +
                  std::to_string(workloads->size()) + "): " + std::string(w.what));
    failed = w.run(config, &figures);
  }
  progress.Finish();
  std::error_code ec;
  std::filesystem::remove_all(config.scratch_dir, ec);
  const std::string text = args->Has("--csv") ? FormatBenchCsv(figures) : FormatBenchTable(figures);
  std::fputs(text.c_str(), stdout);
  if (!failed.ok()) return Fail(kName, failed);
  return kExitOk;
}

}  // namespace evbus::cli
