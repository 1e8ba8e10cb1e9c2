#include "tools/serve/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>

namespace evbus::serve {
namespace {

constexpr std::chrono::seconds kDrainWait{5};

void RefuseBusy(int fd) {
  const std::string body =
      "{\"error\":\"too many connections to this evbus serve; close some and retry\","
      "\"status\":503}\n";
  const std::string reply =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Cache-Control: no-store\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)::send(fd, reply.data(), reply.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  ::close(fd);
}

}  // namespace

Result<std::unique_ptr<Server>> Server::Listen(const ServeOptions& options) {
  if (!IsLoopbackHost(options.host) && options.token.empty()) {
    return Status::InvalidArgument(
        "listening on " + options.host +
        " (not loopback) needs a token: pass --token-file FILE (a file of your own holding a "
        "long random token), or listen on 127.0.0.1");
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options.port);
  const std::string host = options.host == "localhost" ? "127.0.0.1" : options.host;
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return Status::InvalidArgument(
        "--listen expects an IPv4 address and a port such as "
        "127.0.0.1:8787, got host \"" +
        options.host + "\"");
  }
  std::unique_ptr<Server> server(new Server(options));
  server->listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (server->listen_fd_ < 0) return Status::IOError(std::string("socket: ") + strerror(errno));
  const int one = 1;
  ::setsockopt(server->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(server->listen_fd_, 128) != 0) {
    return Status::IOError("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                           ": " + strerror(errno) + "; pick another port with --listen HOST:PORT");
  }
  socklen_t len = sizeof addr;
  ::getsockname(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  server->port_ = ntohs(addr.sin_port);
  return server;
}

Server::~Server() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void Server::Accept(int fd) {
  if (state_.connections.load(std::memory_order_relaxed) >= state_.options.max_connections) {
    RefuseBusy(fd);
    return;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  state_.connections.fetch_add(1, std::memory_order_relaxed);
  try {
    std::thread([this, fd] {
      ServeConnection(&state_, fd);
      state_.connections.fetch_sub(1, std::memory_order_release);
    }).detach();
  } catch (const std::system_error&) {  // no thread to give: refuse, keep serving
    state_.connections.fetch_sub(1, std::memory_order_relaxed);
    RefuseBusy(fd);
  }
}

void Server::Run(const std::function<bool()>& stop) {
  while (!stop()) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) Accept(fd);
  }
  state_.stopping.store(true, std::memory_order_relaxed);
  ::close(listen_fd_);
  listen_fd_ = -1;
  const auto deadline = std::chrono::steady_clock::now() + kDrainWait;
  // SYNC POINT READ: connections (a finished connection's last use of state_).
  while (state_.connections.load(std::memory_order_acquire) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace evbus::serve
