// For the bridge tests: real nats-server processes with JetStream on
// loopback ports (one server, or a cluster of three with file storage under
// a temporary directory), started by the test and stopped by pid, and the
// `evbus` executable run as the bridges and publishers.
#ifndef EVBUS_TESTS_BRIDGE_NATS_CLUSTER_H_
#define EVBUS_TESTS_BRIDGE_NATS_CLUSTER_H_

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
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

// `n` distinct loopback ports nothing listens on now: all n probe sockets
// are bound (port 0) and held open together, then released, so the kernel
// cannot hand one port out twice. Another process may still take one before
// the server binds it: NatsCluster::WaitReady sees that node exit and
// restarts the cluster on fresh ports. Empty if a socket call failed.
inline std::vector<int> FreePorts(int n) {
  std::vector<int> fds, ports;
  for (int i = 0; i < n; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) break;
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (const int fd : fds) ::close(fd);
  if (static_cast<int>(ports.size()) != n) ports.clear();
  return ports;
}

// One such port (-1 if a socket call failed).
inline int FreePort() {
  const std::vector<int> ports = FreePorts(1);
  return ports.empty() ? -1 : ports[0];
}

class NatsCluster {
 public:
  // Attempts WaitReady makes: a node that exits while the cluster comes up
  // (its port taken by another process) restarts the cluster on new ports.
  static constexpr int kAttempts = 3;

  // nodes == 1: a single server (extra_args e.g. --user/--pass); 3: a cluster.
  // `first_ports` (tests of the restart): the client ports then the cluster
  // ports of the first attempt, instead of free ones.
  explicit NatsCluster(int nodes, std::vector<std::string> extra_args = {},
                       std::vector<int> first_ports = {})
      : dir_("evbus_nats"), extra_(std::move(extra_args)) {
    servers_.resize(static_cast<std::size_t>(nodes));
    if (static_cast<int>(first_ports.size()) == 2 * nodes) {
      client_ports_.assign(first_ports.begin(), first_ports.begin() + nodes);
      cluster_ports_.assign(first_ports.begin() + nodes, first_ports.end());
      StartAll();
    } else {
      StartOnFreshPorts();
    }
  }
  ~NatsCluster() { StopAll(); }

  int size() const { return static_cast<int>(servers_.size()); }
  const std::string& dir() const { return dir_.path(); }
  // How many times the cluster was started (1 + WaitReady's restarts).
  int attempts() const { return attempts_; }
  // Why WaitReady returned false (empty after it returned true).
  const std::string& failure() const { return failure_; }
  std::string NodeUrl(int i) const {
    return "nats://127.0.0.1:" + std::to_string(client_ports_[static_cast<std::size_t>(i)]);
  }
  std::string Urls() const {
    std::string out;
    for (int i = 0; i < size(); ++i) out += (i > 0 ? "," : "") + NodeUrl(i);
    return out;
  }
  std::string LogPath(int i) const { return dir() + "/node" + std::to_string(i) + ".log"; }

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
    s->Start(argv, LogPath(i).c_str());
  }
  void KillNode(int i) { servers_[static_cast<std::size_t>(i)]->KillAndReap(); }
  void Signal(int i, int sig) { servers_[static_cast<std::size_t>(i)]->Kill(sig); }

  // Waits (bounded) until JetStream stream `spec` exists with its replicas:
  // the cluster has a meta leader and a stream leader. A node that exits
  // meanwhile restarts the whole cluster on fresh ports, with `limit` again,
  // up to kAttempts starts in all. False on timeout or when the last attempt
  // lost a node; failure() then says which node and where its log is.
  bool WaitReady(const StreamSpec& spec, const NatsConfig& base, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    NatsConfig config = base;
    config.connect_timeout_ms = 500;
    config.api_wait_ms = 2000;
    failure_.clear();
    while (std::chrono::steady_clock::now() < deadline) {
      config.url = Urls();
      auto link = NatsLink::Connect(config, nullptr);
      const bool answered =
          link.ok() && EnsureStream(link->get(), spec, spec.subject_prefix + ".ready").ok();
      // Checked after the answer too: a node that lost its port to another
      // server exits, and the answer may have come from that server.
      const std::string died = DeadNode();
      if (died.empty() && answered) {
        failure_.clear();
        return true;
      }
      if (died.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
        continue;
      }
      failure_ =
          "attempt " + std::to_string(attempts_) + " of " + std::to_string(kAttempts) + ": " + died;
      std::fprintf(stderr, "NatsCluster: %s\n", failure_.c_str());
      if (attempts_ >= kAttempts) return false;
      StartOnFreshPorts();
      deadline = std::chrono::steady_clock::now() + limit;
    }
    failure_ += (failure_.empty() ? "" : "; then ") + std::string("not ready within ") +
                std::to_string(limit.count()) + " s of attempt " + std::to_string(attempts_) +
                "; logs in " + dir();
    return false;
  }

 private:
  // "node I (pid P) exited with ...; its log: PATH" for the first node that
  // is no longer running, or "" when all run.
  std::string DeadNode() {
    for (int i = 0; i < size(); ++i) {
      auto& s = *servers_[static_cast<std::size_t>(i)];
      int status = 0;
      const pid_t pid = s.pid();
      if (s.running() && !s.Wait(&status, std::chrono::milliseconds(0))) continue;
      const std::string how = WIFEXITED(status) ? "status " + std::to_string(WEXITSTATUS(status))
                              : WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                    : "unknown status";
      return "node " + std::to_string(i) + " (pid " + std::to_string(pid) + ", client port " +
             std::to_string(client_ports_[static_cast<std::size_t>(i)]) + ") exited with " + how +
             "; its log: " + LogPath(i);
    }
    return "";
  }

  // Stops the nodes still running (by pid), takes new distinct ports, clears
  // the nodes' data and starts them all.
  void StartOnFreshPorts() {
    StopAll();
    const std::vector<int> ports = FreePorts(2 * size());
    client_ports_.assign(ports.begin(), ports.begin() + (ports.empty() ? 0 : size()));
    cluster_ports_.assign(ports.begin() + (ports.empty() ? 0 : size()), ports.end());
    client_ports_.resize(static_cast<std::size_t>(size()), -1);
    cluster_ports_.resize(static_cast<std::size_t>(size()), -1);
    for (int i = 0; i < size(); ++i) std::filesystem::remove_all(dir() + "/n" + std::to_string(i));
    StartAll();
  }
  void StartAll() {
    ++attempts_;
    for (int i = 0; i < size(); ++i) StartNode(i);
  }
  void StopAll() {
    for (auto& s : servers_) {
      if (s && s->running()) s->KillAndReap();
    }
  }

  TempDir dir_;
  std::vector<std::string> extra_;
  std::vector<int> client_ports_, cluster_ports_;
  std::vector<std::unique_ptr<testutil::ChildProcess>> servers_;
  int attempts_ = 0;
  std::string failure_;
};

}  // namespace evbus::bridge::testing

#endif  // EVBUS_TESTS_BRIDGE_NATS_CLUSTER_H_
