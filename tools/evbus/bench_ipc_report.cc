// What `evbus bench ipc` prints: the CSV, or a table per payload followed
// by the ratio targets (each met or missed), and the CDF files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "tools/evbus/bench_harness.h"
#include "tools/evbus/bench_ipc.h"
#include "tools/evbus/cli.h"

namespace evbus::cli {
namespace {

// The figure's value; 0 if the run has no such figure.
double Value(const std::vector<IpcFigure>& figures, const std::string& peer,
             const std::string& metric, int payload) {
  for (const IpcFigure& f : figures) {
    if (f.peer == peer && f.metric == metric && f.payload == payload) return f.value;
  }
  return 0;
}

std::string Row(const std::vector<IpcFigure>& figures, const std::string& peer, int payload) {
  char line[160];
  std::snprintf(line, sizeof line, "%-16s%10.0f%10.0f%10.0f%12.0f%14.0f%10.1f\n", peer.c_str(),
                Value(figures, peer, "lat_p50", payload), Value(figures, peer, "lat_p99", payload),
                Value(figures, peer, "lat_p999", payload), Value(figures, peer, "lat_max", payload),
                Value(figures, peer, "thr_msgs", payload), Value(figures, peer, "thr_bw", payload));
  return line;
}

// "what: 1.23 (want <= 2.00) met".
std::string Target(const std::string& what, double ratio, double bound, bool at_most) {
  const bool met = ratio > 0 && (at_most ? ratio <= bound : ratio >= bound);
  char line[200];
  std::snprintf(line, sizeof line, "%-52s%8.2f  (want %s %.2f)  %s\n", what.c_str(), ratio,
                at_most ? "<=" : ">=", bound, met ? "met" : "MISSED");
  return line;
}

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

std::string Targets(const std::vector<IpcFigure>& f) {
  std::string out = "\ntargets (ratios of this run)\n";
  out +=
      Target("latency p50 64 B, evbus / floor",
             Ratio(Value(f, "evbus", "lat_p50", 64), Value(f, "floor", "lat_p50", 64)), 2.0, true);
  for (int payload : kIpcPayloads) {
    out +=
        Target("latency p99.9 " + std::to_string(payload) + " B, evbus / pipe",
               Ratio(Value(f, "evbus", "lat_p999", payload), Value(f, "pipe", "lat_p999", payload)),
               1.0, true);
  }
  out += Target("msgs/s 64 B, evbus / raw-ring",
                Ratio(Value(f, "evbus", "thr_msgs", 64), Value(f, "raw-ring", "thr_msgs", 64)), 0.5,
                false);
  out +=
      Target("msgs/s 64 B, evbus (millions)", Value(f, "evbus", "thr_msgs", 64) / 1e6, 10.0, false);
  out += Target("MB/s 1024 B, evbus / raw-ring",
                Ratio(Value(f, "evbus", "thr_bw", 1024), Value(f, "raw-ring", "thr_bw", 1024)), 0.5,
                false);
  for (int payload : kIpcPayloads) {
    out += Target(
        "msgs/s " + std::to_string(payload) + " B, evbus-1to4 / evbus",
        Ratio(Value(f, "evbus-1to4", "thr_msgs", payload), Value(f, "evbus", "thr_msgs", payload)),
        0.8, false);
  }
  return out;
}

}  // namespace

std::string FormatIpcCsv(const std::vector<IpcFigure>& figures) {
  std::string out = "peer,metric,payload,value,unit\n";
  for (const IpcFigure& f : figures) {
    char line[160];
    std::snprintf(line, sizeof line, "%s,%s,%d,%.1f,%s\n", f.peer.c_str(), f.metric.c_str(),
                  f.payload, f.value, f.unit.c_str());
    out += line;
  }
  return out;
}

std::string FormatIpcTable(const std::vector<IpcFigure>& figures) {
  std::string out;
  for (int payload : kIpcPayloads) {
    char head[200];
    std::snprintf(
        head, sizeof head, "%s%d B, one way ns / delivered\n%-16s%10s%10s%10s%12s%14s%10s\n",
        out.empty() ? "" : "\n", payload, "peer", "p50", "p99", "p99.9", "max", "msgs/s", "MB/s");
    out += head;
    for (const char* peer : {"evbus", "evbus-blocking", "evbus-1to4", "evbus-2to1", "floor",
                             "raw-ring", "pipe", "uds"}) {
      out += Row(figures, peer, payload);
    }
  }
  return out + Targets(figures);
}

Status WriteIpcCdf(const std::string& dir, const std::vector<IpcLatencySamples>& samples) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (const IpcLatencySamples& s : samples) {
    const std::string path = dir + "/lat-" + s.peer + "-" + std::to_string(s.payload) + ".dat";
    std::ofstream out(path);
    const std::vector<std::int64_t>& sorted = s.one_way_ns;  // LatencyFigures sorted them
    const double last = static_cast<double>(sorted.size()) - 1;
    for (int k = 0; k <= 200 && !sorted.empty(); ++k) {
      // Points crowd towards the tail: fraction 1 - 10^(-4k/200) for k >= 100.
      const double q = k < 100 ? k / 100.0 * 0.99 : 1 - 0.01 * std::pow(10, -(k - 100) / 50.0);
      const auto i = static_cast<std::size_t>(q * last + 0.5);
      out << sorted[i] << " " << q << "\n";
    }
    if (!sorted.empty()) out << sorted.back() << " 1\n";
    if (!out) {
      return Status::IOError("cannot write " + path + "; give --cdf a writable directory");
    }
  }
  return Status::OK();
}

std::vector<IpcFigure> LatencyFigures(std::vector<IpcLatencySamples>* samples) {
  std::vector<IpcFigure> figures;
  const std::pair<const char*, double> metrics[] = {
      {"lat_p50", 50.0}, {"lat_p99", 99.0}, {"lat_p999", 99.9}, {"lat_max", 100.0}};
  for (IpcLatencySamples& s : *samples) {
    for (const auto& [metric, p] : metrics) {
      figures.push_back({s.peer, metric, s.payload, Percentile(&s.one_way_ns, p), "ns"});
    }
  }
  return figures;
}

std::vector<IpcFigure> MedianFigures(const std::vector<std::vector<IpcFigure>>& rounds) {
  std::vector<IpcFigure> figures;
  for (std::size_t i = 0; !rounds.empty() && i < rounds.front().size(); ++i) {
    std::vector<double> values;
    for (const std::vector<IpcFigure>& round : rounds) {
      if (i < round.size()) values.push_back(round[i].value);
    }
    std::sort(values.begin(), values.end());
    figures.push_back(rounds.front()[i]);
    figures.back().value = values[values.size() / 2];
  }
  return figures;
}

int RunBenchIpc(const IpcConfig& config, bool csv, const std::string& cdf_dir) {
  constexpr const char* kName = "bench ipc";
  if (Status st = PinToCpu(config.cpu_a); !st.ok()) return Fail(kName, st);
  std::vector<IpcLatencySamples> samples;
  std::vector<std::vector<IpcFigure>> rounds;
  Status st;
  for (int round = 0; round < config.repeats && st.ok(); ++round) {
    st = IpcLatency(config, &samples);
    if (st.ok()) st = IpcThroughput(config, &rounds.emplace_back());
  }
  std::vector<IpcFigure> figures = LatencyFigures(&samples);
  for (const IpcFigure& f : MedianFigures(rounds)) figures.push_back(f);
  if (st.ok() && !cdf_dir.empty()) st = WriteIpcCdf(cdf_dir, samples);
  const std::string text = csv ? FormatIpcCsv(figures) : FormatIpcTable(figures);
  std::fputs(text.c_str(), stdout);
  if (!st.ok()) return Fail(kName, st);
  return kExitOk;
}

}  // namespace evbus::cli
