// `evbus bench ipc` end to end (the real binary, short runs): the CSV gives
// every peer's every figure in the form `peer,metric,payload,value,unit`,
// the table states each ratio target, the CDF files are CDFs, and bad
// arguments are refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/tools/cli_test_util.h"

namespace evbus {
namespace {

using testutil::Lines;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class CliBenchIpcTest : public testutil::CliFixture {
 protected:
  CliBenchIpcTest() : CliFixture("bench-ipc") {}
};

std::vector<std::string> Fields(const std::string& line) {
  std::vector<std::string> fields;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  return fields;
}

// Every (peer, metric, payload) the CSV must hold.
std::set<std::string> ExpectedKeys() {
  std::set<std::string> keys;
  for (int payload : {64, 1024}) {
    const std::string p = std::to_string(payload);
    for (const char* peer : {"evbus", "evbus-blocking", "floor", "raw-ring", "pipe", "uds"}) {
      if (std::string(peer) == "floor" && payload != 64) continue;
      for (const char* metric : {"lat_p50", "lat_p99", "lat_p999", "lat_max"}) {
        keys.insert(std::string(peer) + "," + metric + "," + p);
      }
    }
    for (const char* peer :
         {"evbus", "evbus-blocking", "evbus-1to4", "evbus-2to1", "raw-ring", "pipe", "uds"}) {
      keys.insert(std::string(peer) + ",thr_msgs," + p);
      keys.insert(std::string(peer) + ",thr_bw," + p);
    }
  }
  return keys;
}

const std::map<std::string, std::string> kUnits = {{"lat_p50", "ns"},      {"lat_p99", "ns"},
                                                   {"lat_p999", "ns"},     {"lat_max", "ns"},
                                                   {"thr_msgs", "msgs/s"}, {"thr_bw", "MB/s"}};

// Checks one CDF file: both columns never decrease, the last fraction is 1.
void ExpectCdf(const std::filesystem::path& path) {
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " missing";
  double ns = 0, fraction = 0, last_ns = -1, last_fraction = -1;
  int points = 0;
  while (in >> ns >> fraction) {
    EXPECT_GE(ns, last_ns) << path;
    EXPECT_GE(fraction, last_fraction) << path;
    last_ns = ns;
    last_fraction = fraction;
    ++points;
  }
  EXPECT_GT(points, 100) << path;
  EXPECT_EQ(last_fraction, 1.0) << path;
}

TEST_F(CliBenchIpcTest, CsvHasEveryPeerMetricAndPayloadOnce) {
  const std::string cdf = dir_.path() + "/cdf";
  Result r = Run({"bench", "ipc", "--csv", "--time-ms", "10", "--repeat", "1", "--cdf", cdf});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = Lines(r.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "peer,metric,payload,value,unit");
  std::map<std::string, double> values;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::vector<std::string> f = Fields(lines[i]);
    ASSERT_EQ(f.size(), 5u) << lines[i];
    ASSERT_TRUE(kUnits.count(f[1])) << "unknown metric: " << lines[i];
    EXPECT_EQ(f[4], kUnits.at(f[1])) << lines[i];
    const std::string key = f[0] + "," + f[1] + "," + f[2];
    EXPECT_EQ(values.count(key), 0u) << "twice: " << key;
    values[key] = std::stod(f[3]);
    EXPECT_GT(values[key], 0) << lines[i];
  }
  std::set<std::string> keys;
  for (const auto& [key, value] : values) keys.insert(key);
  EXPECT_EQ(keys, ExpectedKeys());
  for (const std::string peer : {"evbus", "floor", "pipe"}) {
    EXPECT_LE(values[peer + ",lat_p50,64"], values[peer + ",lat_p99,64"]) << peer;
    EXPECT_LE(values[peer + ",lat_p99,64"], values[peer + ",lat_p999,64"]) << peer;
    EXPECT_LE(values[peer + ",lat_p999,64"], values[peer + ",lat_max,64"]) << peer;
  }
  EXPECT_NEAR(values["raw-ring,thr_bw,1024"], values["raw-ring,thr_msgs,1024"] * 1024 / 1e6,
              0.1 + 1e-3 * values["raw-ring,thr_bw,1024"]);
  for (const char* file : {"lat-evbus-64.dat", "lat-floor-64.dat", "lat-uds-1024.dat"}) {
    ExpectCdf(std::filesystem::path(cdf) / file);
  }
}

TEST_F(CliBenchIpcTest, TableStatesEachRatioTarget) {
  Result r = Run({"bench", "ipc", "--time-ms", "5", "--repeat", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* part : {"raw-ring", "evbus-1to4", "latency p50 64 B, evbus / floor",
                           "msgs/s 64 B, evbus / raw-ring", "MB/s 1024 B, evbus / raw-ring",
                           "msgs/s 64 B, evbus-1to4 / evbus", "(want <= 2.00)"}) {
    EXPECT_TRUE(Contains(r.out, part)) << part << "\n" << r.out;
  }
  int verdicts = 0;
  for (const std::string& line : Lines(r.out)) {
    verdicts += Contains(line, "  met") || Contains(line, "  MISSED") ? 1 : 0;
  }
  EXPECT_EQ(verdicts, 8) << r.out;
}

TEST_F(CliBenchIpcTest, RefusesWorkloadNamesBadCpusAndStrayCdf) {
  Result extra = Run({"bench", "ipc", "publish"});
  EXPECT_EQ(extra.exit_code, 2);
  EXPECT_TRUE(Contains(extra.err, "drop \"publish\"")) << extra.err;
  Result cpus = Run({"bench", "ipc", "--cpus", "0,100000"});
  EXPECT_EQ(cpus.exit_code, 2);
  EXPECT_TRUE(Contains(cpus.err, "CPU 100000 does not exist")) << cpus.err;
  Result cdf = Run({"bench", "publish", "--cdf", dir_.path()});
  EXPECT_EQ(cdf.exit_code, 2);
  EXPECT_TRUE(Contains(cdf.err, "--cdf and --repeat are for `evbus bench ipc` only")) << cdf.err;
  EXPECT_EQ(Run({"bench", "ipc", "--repeat", "0"}).exit_code, 2);
  EXPECT_EQ(extra.out + cpus.out + cdf.out, "");
}

}  // namespace
}  // namespace evbus
