// What every connection of `evbus serve` shares: the options, the streams
// opened so far and the counts the limits are checked against.
#ifndef EVBUS_TOOLS_SERVE_SERVER_STATE_H_
#define EVBUS_TOOLS_SERVE_SERVER_STATE_H_

#include <atomic>

#include "tools/serve/http_reply.h"
#include "tools/serve/request_target.h"
#include "tools/serve/serve_options.h"
#include "tools/serve/stream_registry.h"

namespace evbus::serve {

struct ServerState {
  explicit ServerState(const ServeOptions& o) : options(o), registry(o) {}

  const ServeOptions options;
  StreamRegistry registry;
  std::atomic<int> connections{0};
  std::atomic<int> live_clients{0};
  std::atomic<bool> stopping{false};
};

// Authorization and Host checks; an error reply when the request may not go
// on (401 without the token, 421 for a foreign Host on a loopback server).
std::optional<Response> CheckAccess(const ServerState& state, const Request& req,
                                    const RequestTarget& target);

// Every request but the live ones (routes.cc).
Response HandleRequest(ServerState* state, const Request& req, const RequestTarget& target);

// The stream a path names (segments[1], ?user=), validated; InvalidArgument
// says what a name may hold.
Result<StreamKey> StreamFromTarget(const RequestTarget& target);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_SERVER_STATE_H_
