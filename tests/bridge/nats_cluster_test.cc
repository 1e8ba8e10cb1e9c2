// The bridge tests' nats-server harness against port races: a cluster's
// ports are distinct, and a node whose port another process holds makes
// WaitReady restart the cluster on fresh ports (or, when every attempt loses
// a node, fail at once naming the node and its log) instead of waiting out
// its limit.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <set>

#include "tests/bridge/bridge_checks.h"

namespace evbus::bridge::testing {
namespace {

// A loopback socket listening on a port of the kernel's choice, closed at
// the end of the test: the port another process holds.
class Squatter {
 public:
  Squatter() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::listen(fd_, 1) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
  }
  Squatter(const Squatter&) = delete;
  Squatter& operator=(const Squatter&) = delete;
  ~Squatter() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = -1;
};

TEST(BridgeNatsClusterTest, FreePortsAreDistinctAndUsable) {
  const std::vector<int> ports = FreePorts(64);
  ASSERT_EQ(ports.size(), 64u);
  EXPECT_EQ(std::set<int>(ports.begin(), ports.end()).size(), 64u);
  for (const int p : ports) EXPECT_GT(p, 0);
}

TEST(BridgeNatsClusterTest, ATakenClientPortRestartsTheServerOnFreshPorts) {
  const Squatter squatter;
  ASSERT_GT(squatter.port(), 0);
  NatsCluster server(1, {}, {squatter.port(), FreePort()});
  StreamSpec spec;
  spec.create = true;
  ASSERT_TRUE(server.WaitReady(spec, NatsConfig{}, std::chrono::seconds(30))) << server.failure();
  EXPECT_EQ(server.attempts(), 2);
  EXPECT_EQ(server.NodeUrl(0).find(":" + std::to_string(squatter.port())), std::string::npos);
  EXPECT_NE(ReadFile(server.LogPath(0)).find("address already in use"), std::string::npos)
      << ReadFile(server.LogPath(0));
}

TEST(BridgeNatsClusterTest, ATakenRoutePortRestartsTheWholeClusterOnFreshPorts) {
  const Squatter squatter;
  ASSERT_GT(squatter.port(), 0);
  std::vector<int> ports = FreePorts(5);
  ASSERT_EQ(ports.size(), 5u);
  ports.push_back(squatter.port());  // node 2's cluster (route) port
  NatsCluster cluster(3, {}, ports);
  StreamSpec spec;
  spec.create = true;
  spec.replicas = 3;
  ASSERT_TRUE(cluster.WaitReady(spec, NatsConfig{}, std::chrono::seconds(60))) << cluster.failure();
  EXPECT_EQ(cluster.attempts(), 2);
  EXPECT_NE(ReadFile(cluster.LogPath(2)).find("address already in use"), std::string::npos)
      << ReadFile(cluster.LogPath(2));
}

TEST(BridgeNatsClusterTest, ANodeDyingInEveryAttemptFailsNamingTheNodeAndItsLog) {
  const Squatter squatter;
  ASSERT_GT(squatter.port(), 0);
  // The last -p wins: every start of the server asks for the taken port.
  NatsCluster server(1, {"-p", std::to_string(squatter.port())});
  StreamSpec spec;
  spec.create = true;
  EXPECT_FALSE(server.WaitReady(spec, NatsConfig{}, std::chrono::seconds(60)));
  EXPECT_EQ(server.attempts(), NatsCluster::kAttempts);
  EXPECT_NE(server.failure().find("node 0"), std::string::npos) << server.failure();
  EXPECT_NE(server.failure().find(server.LogPath(0)), std::string::npos) << server.failure();
}

}  // namespace
}  // namespace evbus::bridge::testing
