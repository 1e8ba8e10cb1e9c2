// Server: `evbus serve`'s listening socket and its connections, one thread
// each, bounded in number (ServeOptions). Requests are read and replies
// written with Boost.Beast over FdStream (a deadline on every read and
// write); live streams continue on the connection's thread (live_session.h).
//
// Thread safety: Listen, port and Run from one thread; connections run on
// their own threads, which Run waits for before it returns.
#ifndef EVBUS_TOOLS_SERVE_SERVER_H_
#define EVBUS_TOOLS_SERVE_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "base/status.h"
#include "tools/serve/serve_options.h"
#include "tools/serve/server_state.h"

namespace evbus::serve {

class Server {
 public:
  // Binds and listens. InvalidArgument for a host that is not an IPv4
  // address, or a non-loopback host without a token; IOError (saying which
  // address) when the port is taken.
  static Result<std::unique_ptr<Server>> Listen(const ServeOptions& options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const { return port_; }
  // Accepts connections until `stop()` is true, then ends the live streams
  // and waits (a few seconds at most) for the connections to finish.
  void Run(const std::function<bool()>& stop);

 private:
  explicit Server(const ServeOptions& options) : state_(options) {}
  void Accept(int fd);

  ServerState state_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
};

// Serves one accepted connection until it closes (connection.cc).
void ServeConnection(ServerState* state, int fd);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_SERVER_H_
