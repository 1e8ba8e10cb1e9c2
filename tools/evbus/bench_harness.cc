#include "tools/evbus/bench_harness.h"

#include <sched.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace evbus::cli {
namespace {

std::string FormatNumber(double value) {
  char buf[64];
  if (value >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", value / 1e6);
  } else if (value >= 1e4) {
    std::snprintf(buf, sizeof buf, "%.1fk", value / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", value);
  }
  return buf;
}

std::string Pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

}  // namespace

double BenchFigure::ratio() const {
  if (evbus <= 0 || baseline <= 0) return 0;
  return higher_is_better ? evbus / baseline : baseline / evbus;
}

const std::vector<BenchWorkloadEntry>& BenchWorkloads() {
  static const std::vector<BenchWorkloadEntry> workloads = {
      {"publish", "ring publish throughput, 512 B, vs mutex + std::deque", BenchPublish},
      {"add_event",
       "EventStream add_event with 20 secrets vs redact + serialize + mutex + std::deque",
       BenchAddEvent},
      {"persist", "store append with group commit vs write(2) + fdatasync", BenchPersist},
      {"latency", "publish -> read across two pinned processes vs a pipe ping-pong", BenchLatency},
  };
  return workloads;
}

Status PinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (::sched_setaffinity(0, sizeof(set), &set) != 0) {
    return Status::IOError("cannot pin to CPU " + std::to_string(cpu) + ": " +
                           std::strerror(errno) + "; choose CPUs this process may use (--cpus)");
  }
  return Status::OK();
}

double Percentile(std::vector<std::int64_t>* samples, double p) {
  if (samples->empty()) return 0;
  std::sort(samples->begin(), samples->end());
  const auto last = static_cast<double>(samples->size() - 1);
  return static_cast<double>((*samples)[static_cast<std::size_t>(std::lround(p / 100.0 * last))]);
}

std::string FormatBenchTable(const std::vector<BenchFigure>& figures) {
  std::string out = Pad("workload", 11) + Pad("metric", 10) + Pad("evbus", 10) +
                    Pad("baseline", 10) + Pad("ratio", 9) + "baseline is\n";
  for (const BenchFigure& f : figures) {
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%.2fx", f.ratio());
    out += Pad(f.workload, 11) + Pad(f.metric, 10) + Pad(FormatNumber(f.evbus), 10) +
           Pad(FormatNumber(f.baseline), 10) + Pad(ratio, 9) + f.baseline_name + "\n";
  }
  out += "ratio: how many times better evbus is than the baseline measured in the same run\n";
  return out;
}

std::string FormatBenchCsv(const std::vector<BenchFigure>& figures) {
  std::string out = "workload,metric,evbus,baseline,ratio,baseline_name\n";
  for (const BenchFigure& f : figures) {
    char line[256];
    std::snprintf(line, sizeof line, "%s,%s,%.1f,%.1f,%.3f,%s\n", f.workload.c_str(),
                  f.metric.c_str(), f.evbus, f.baseline, f.ratio(), f.baseline_name.c_str());
    out += line;
  }
  return out;
}

}  // namespace evbus::cli
