// ServeOptions: what `evbus serve` listens on, what it serves and the limits
// that keep a web client from holding more than its share (docs/serve.md).
#ifndef EVBUS_TOOLS_SERVE_SERVE_OPTIONS_H_
#define EVBUS_TOOLS_SERVE_SERVE_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace evbus::serve {

struct ServeOptions {
  std::string host = "127.0.0.1";  // an IPv4 address; loopback by default
  std::uint16_t port = 8787;       // 0: any free port (printed at start)
  std::string root;                // the store root ("" = rings only)
  std::string token;               // required as "Authorization: Bearer" when set
  bool read_only = false;          // refuse POST
  std::size_t max_body_bytes = 1u << 20;
  std::size_t max_header_bytes = 16u << 10;
  int max_connections = 256;   // open sockets; more get 503
  int max_live_clients = 200;  // SSE + WebSocket; more get 503
  int max_requests_per_connection = 1000;
  std::chrono::milliseconds request_timeout{10'000};  // to receive a request / send a reply
  // Per live client: frames queued but not yet sent. Beyond it the client is
  // behind; it is skipped ahead and told (a gap event).
  std::size_t live_buffer_bytes = 1u << 20;
};

// True for 127.0.0.0/8 (and "localhost").
bool IsLoopbackHost(const std::string& host);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_SERVE_OPTIONS_H_
