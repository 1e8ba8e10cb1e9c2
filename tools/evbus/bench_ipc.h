// `evbus bench ipc`: the ring measured the way inter-process transports are
// compared, between two processes pinned to --cpus A,B, beside its baselines
// in the same run.
//
//   latency (ping-pong; one way = round trip / 2), 64 B and 1 KiB
//     evbus           ring -> busy-spinning subscriber, one segment each way
//     evbus-blocking  the same with blocking subscribers (futex sleep)
//     floor           one cache line bounced through shared memory (64 B only)
//     raw-ring        the simplest SPSC ring of fixed-size slots, one each way
//     pipe, uds       write(2) -> read(2) on a pipe pair / a Unix socket pair
//   throughput (messages/s and MB/s delivered), 64 B and 1 KiB
//     evbus           1 producer -> 1 durable busy-spinning subscriber
//     evbus-blocking  the same with a blocking subscriber
//     evbus-1to4      1 producer -> 4 durable blocking subscribers
//     evbus-2to1      2 producers -> 1 durable blocking subscriber
//     raw-ring, pipe, uds  one sender -> one receiver
// Producers run on CPU A, receivers on CPU B. Every figure is one
// measurement of --time-ms (default 200 ms) after an untimed warm-up,
// repeated --repeat times (default 3).
//
// Thread safety: one run per process; measurements run one at a time.
#ifndef EVBUS_TOOLS_EVBUS_BENCH_IPC_H_
#define EVBUS_TOOLS_EVBUS_BENCH_IPC_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace evbus::cli {

struct IpcConfig {
  int cpu_a = 0;  // senders (the ping side of latency)
  int cpu_b = 1;  // receivers (the echo side of latency)
  std::chrono::nanoseconds time_per_run{std::chrono::milliseconds(200)};
  // Rounds of every measurement, interleaved so that a burst of other load
  // hits every peer alike: latency percentiles are of the rounds' samples
  // pooled, rates the median of the rounds'.
  int repeats = 3;
};

// One line of the CSV: peer,metric,payload,value,unit.
struct IpcFigure {
  std::string peer;    // evbus, evbus-<variant>, floor, raw-ring, pipe, uds
  std::string metric;  // lat_p50 lat_p99 lat_p999 lat_max thr_msgs thr_bw
  int payload = 0;     // bytes
  double value = 0;
  std::string unit;  // ns, msgs/s, MB/s
};

// One peer's one-way latencies at one payload (for the CDF plot).
struct IpcLatencySamples {
  std::string peer;
  int payload = 0;
  std::vector<std::int64_t> one_way_ns;
};

inline constexpr int kIpcPayloads[] = {64, 1024};

// One round of every latency peer at every payload; each round's samples
// join those of the same peer and payload already in *samples.
Status IpcLatency(const IpcConfig& config, std::vector<IpcLatencySamples>* samples);

// lat_p50, lat_p99, lat_p999 and lat_max of each entry (sorts the samples).
std::vector<IpcFigure> LatencyFigures(std::vector<IpcLatencySamples>* samples);

// One round of every throughput peer at every payload: thr_msgs and thr_bw.
Status IpcThroughput(const IpcConfig& config, std::vector<IpcFigure>* figures);

// Each figure's median over the rounds (every round has the same figures).
std::vector<IpcFigure> MedianFigures(const std::vector<std::vector<IpcFigure>>& rounds);

// "peer,metric,payload,value,unit" and one line per figure.
std::string FormatIpcCsv(const std::vector<IpcFigure>& figures);

// A table per payload and the ratio targets, each met or missed.
std::string FormatIpcTable(const std::vector<IpcFigure>& figures);

// Writes <dir>/lat-<peer>-<payload>.dat of samples LatencyFigures has
// sorted ("ns fraction" lines, about 200 points
// of the CDF) for bench/ipc_cdf.gp; IOError naming the file.
Status WriteIpcCdf(const std::string& dir, const std::vector<IpcLatencySamples>& samples);

// `evbus bench ipc [--csv] [--cpus A,B] [--time-ms N] [--repeat N] [--cdf DIR]`.
int RunBenchIpc(const IpcConfig& config, bool csv, const std::string& cdf_dir);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_BENCH_IPC_H_
