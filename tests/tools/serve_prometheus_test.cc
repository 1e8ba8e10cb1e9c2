// A real Prometheus (Debian's prometheus) scrapes `evbus serve`'s /metrics
// and its HTTP API then returns evbus's series; promtool finds the
// exposition clean. Both are started here on loopback and stopped by pid.
#include <netinet/in.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/tools/serve_fixture.h"

namespace evbus::testutil {
namespace {

constexpr char kPrometheus[] = "/usr/bin/prometheus";
constexpr char kPromtool[] = "/usr/bin/promtool";

// A loopback port nobody listens on right now.
std::uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

class ServePrometheusTest : public ServeFixture {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kPrometheus) || !std::filesystem::exists(kPromtool)) {
      GTEST_SKIP() << "needs Debian's prometheus package (tools/setup.sh installs it)";
    }
    ServeFixture::SetUp();
  }
};

TEST_F(ServePrometheusTest, PromtoolFindsTheExpositionClean) {
  Publish(5);
  StartServer();
  HttpResponse metrics = Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("evbus_events_published_total{stream=\"" + sid_ + "\""),
            std::string::npos);
  const std::string file = dir_.path() + "/metrics.txt";
  std::ofstream(file) << metrics.body;
  const std::string command = std::string(kPromtool) + " check metrics < " + file + " > " +
                              dir_.path() + "/promtool.out 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << ReadFile(dir_.path() + "/promtool.out");
}

TEST_F(ServePrometheusTest, ARealPrometheusScrapesTheStreamsSeries) {
  Publish(7);
  StartServer();
  const std::uint16_t port = FreePort();
  const std::string config = dir_.path() + "/prometheus.yml";
  std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                        << "scrape_configs:\n  - job_name: evbus\n    static_configs:\n"
                        << "      - targets: ['127.0.0.1:" << server_.port() << "']\n";
  ChildProcess prometheus;
  const std::string log = dir_.path() + "/prometheus.log";
  ASSERT_TRUE(prometheus.Start(
      {kPrometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir_.path() + "/tsdb",
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
      log.c_str()));
  const std::string query =
      "/api/v1/query?query=evbus_events_published_total%7Bstream%3D%22" + sid_ + "%22%7D";
  HttpResponse answer;
  const auto deadline = Clock::now() + std::chrono::seconds(45);
  while (Clock::now() < deadline && prometheus.running()) {
    answer = Http(port, "GET", query, "", "", std::chrono::seconds(2));
    if (answer.body.find("\"" + sid_ + "\"") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // poll its API, bounded
  }
  EXPECT_NE(answer.body.find("\"job\":\"evbus\""), std::string::npos) << answer.body << "\n"
                                                                      << ReadFile(log);
  EXPECT_NE(answer.body.find("\"stream\":\"" + sid_ + "\""), std::string::npos) << answer.body;
  EXPECT_NE(answer.body.find(",\"7\"]"), std::string::npos) << answer.body;  // 7 events
  prometheus.Kill(SIGTERM);
  int status = 0;
  EXPECT_TRUE(prometheus.Wait(&status, std::chrono::seconds(20)));
}

}  // namespace
}  // namespace evbus::testutil
