// `evbus bench`: named workloads, each measured beside its baseline in the
// same run (a lone figure on a shared machine means little; the ratio is
// what to quote). Every workload is bounded by time, so `evbus bench` with
// no arguments takes a few seconds.
//
//   workload  metric      evbus                      baseline
//   publish   events/s    ring TryPublish, 512 B     mutex + std::deque push, 512 B
//   add_event events/s    EventStream::AddEvent,     redact (the same secrets and
//                         ~1 KiB events, 20 secrets  patterns) + serialize + mutex +
//                                                    std::deque push/pop
//   persist   events/s    StoreWriter::Append 512 B, write(2) of the same bytes +
//                         group commit (5 ms)        fdatasync every 5 ms
//   latency   p50/p99 ns  ring publish -> busy-spin  pipe ping-pong
//                         reader in another process  (write -> read in another process)
//
// Before each measurement the evbus side runs one lap of its ring untimed
// (see WarmUp), so first-touch page faults are not what is measured.
//
// ratio = how many times better evbus is: evbus/baseline for rates,
// baseline/evbus for latencies (> 1: evbus wins).
//
// Thread safety: one bench run per process; workloads run one at a time.
#ifndef EVBUS_TOOLS_EVBUS_BENCH_HARNESS_H_
#define EVBUS_TOOLS_EVBUS_BENCH_HARNESS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace evbus::cli {

struct BenchConfig {
  std::chrono::nanoseconds time_per_side{std::chrono::milliseconds(300)};
  int cpu_a = 0;            // producer / sender
  int cpu_b = 1;            // reader / receiver (another process for latency)
  std::string scratch_dir;  // for the persist workload's files
};

struct BenchFigure {
  std::string workload;
  std::string metric;  // "events/s", "p50 ns", ...
  double evbus = 0;
  double baseline = 0;
  std::string baseline_name;
  bool higher_is_better = true;

  double ratio() const;
};

using BenchWorkload = Status (*)(const BenchConfig& config, std::vector<BenchFigure>* out);

struct BenchWorkloadEntry {
  std::string_view name;
  std::string_view what;
  BenchWorkload run;
};

// Every workload, in the order a full run measures them.
const std::vector<BenchWorkloadEntry>& BenchWorkloads();

Status BenchPublish(const BenchConfig& config, std::vector<BenchFigure>* out);
Status BenchAddEvent(const BenchConfig& config, std::vector<BenchFigure>* out);
Status BenchPersist(const BenchConfig& config, std::vector<BenchFigure>* out);
Status BenchLatency(const BenchConfig& config, std::vector<BenchFigure>* out);

// Pins the calling thread to `cpu`; IOError if the kernel refuses.
Status PinToCpu(int cpu);

// Calls op() in batches until `budget` has passed; op() returns false to
// stop early (an error). Returns calls per second, or -1 if op() failed.
template <typename Op>
double CallsPerSecond(std::chrono::nanoseconds budget, Op&& op) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  std::uint64_t calls = 0;
  for (;;) {
    for (int i = 0; i < 256; ++i, ++calls) {
      if (!op()) return -1;
    }
    const auto elapsed = Clock::now() - start;
    if (elapsed >= budget) {
      return static_cast<double>(calls) / std::chrono::duration<double>(elapsed).count();
    }
  }
}

// Calls op() `count` times untimed (first touches of shared memory and
// caches are slow in a VM and would be measured otherwise); false if op() failed.
template <typename Op>
bool WarmUp(std::uint64_t count, Op&& op) {
  for (std::uint64_t i = 0; i < count; ++i) {
    if (!op()) return false;
  }
  return true;
}

// The p-th percentile (0..100) of `samples` (sorted in place); 0 if empty.
double Percentile(std::vector<std::int64_t>* samples, double p);

// The table (aligned columns) or CSV with a header line.
std::string FormatBenchTable(const std::vector<BenchFigure>& figures);
std::string FormatBenchCsv(const std::vector<BenchFigure>& figures);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_BENCH_HARNESS_H_
