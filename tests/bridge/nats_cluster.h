// For the bridge tests: real nats-server processes with JetStream on
// loopback ports (one server, or a cluster of three with file storage under
// a temporary directory), started by the test and stopped by pid, and the
// `evbus` executable run as the bridges and publishers.
#ifndef EVBUS_TESTS_BRIDGE_NATS_CLUSTER_H_
#define EVBUS_TESTS_BRIDGE_NATS_CLUSTER_H_

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "bridge/jetstream_subject.h"
#include "bridge/nats_connect.h"
#include "tests/testutil/child_process.h"

namespace evbus::bridge::testing {

inline constexpr char kNatsServer[] = "/usr/sbin/nats-server";

inline std::string EvbusPath() { return std::string(EVBUS_BINARY_DIR) + "/evbus"; }

// A loopback port nothing listens on now (bound then released).
inline int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

class NatsCluster {
 public:
  // nodes == 1: a single server (extra_args e.g. --user/--pass); 3: a cluster.
  explicit NatsCluster(int nodes, std::vector<std::string> extra_args = {})
      : dir_("evbus_nats"), extra_(std::move(extra_args)) {
    for (int i = 0; i < nodes; ++i) {
      client_ports_.push_back(FreePort());
      cluster_ports_.push_back(FreePort());
    }
    servers_.resize(static_cast<std::size_t>(nodes));
    for (int i = 0; i < nodes; ++i) StartNode(i);
  }
  ~NatsCluster() {
    for (auto& s : servers_) {
      if (s && s->running()) s->KillAndReap();
    }
  }

  int size() const { return static_cast<int>(servers_.size()); }
  const std::string& dir() const { return dir_.path(); }
  std::string NodeUrl(int i) const {
    return "nats://127.0.0.1:" + std::to_string(client_ports_[static_cast<std::size_t>(i)]);
  }
  std::string Urls() const {
    std::string out;
    for (int i = 0; i < size(); ++i) out += (i > 0 ? "," : "") + NodeUrl(i);
    return out;
  }

  void StartNode(int i) {
    const std::string n = std::to_string(i);
    std::vector<std::string> argv = {
        kNatsServer, "-n",
        "node" + n,  "-js",
        "-sd",       dir() + "/n" + n,
        "-a",        "127.0.0.1",
        "-p",        std::to_string(client_ports_[static_cast<std::size_t>(i)])};
    if (size() > 1) {
      std::string routes;
      for (int j = 0; j < size(); ++j) {
        if (j == i) continue;
        routes += (routes.empty() ? "" : ",") + std::string("nats://127.0.0.1:") +
                  std::to_string(cluster_ports_[static_cast<std::size_t>(j)]);
      }
      argv.insert(argv.end(), {"--cluster_name", "evbus", "--cluster",
                               "nats://127.0.0.1:" +
                                   std::to_string(cluster_ports_[static_cast<std::size_t>(i)]),
                               "--routes", routes});
    }
    argv.insert(argv.end(), extra_.begin(), extra_.end());
    auto& s = servers_[static_cast<std::size_t>(i)];
    s = std::make_unique<testutil::ChildProcess>();
    s->Start(argv, (dir() + "/node" + n + ".log").c_str());
  }
  void KillNode(int i) { servers_[static_cast<std::size_t>(i)]->KillAndReap(); }
  void Signal(int i, int sig) { servers_[static_cast<std::size_t>(i)]->Kill(sig); }

  // Waits (bounded) until JetStream stream `spec` exists with its replicas:
  // the cluster has a meta leader and a stream leader. False on timeout.
  bool WaitReady(const StreamSpec& spec, const NatsConfig& base, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    NatsConfig config = base;
    config.url = Urls();
    config.connect_timeout_ms = 500;
    config.api_wait_ms = 2000;
    while (std::chrono::steady_clock::now() < deadline) {
      auto link = NatsLink::Connect(config, nullptr);
      if (link.ok() && EnsureStream(link->get(), spec, spec.subject_prefix + ".ready").ok()) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  TempDir dir_;
  std::vector<std::string> extra_;
  std::vector<int> client_ports_, cluster_ports_;
  std::vector<std::unique_ptr<testutil::ChildProcess>> servers_;
};

}  // namespace evbus::bridge::testing

#endif  // EVBUS_TESTS_BRIDGE_NATS_CLUSTER_H_
