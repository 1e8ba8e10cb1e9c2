// The stream-level routes of `evbus serve` (stream_routes.cc).
#ifndef EVBUS_TOOLS_SERVE_STREAM_ROUTES_H_
#define EVBUS_TOOLS_SERVE_STREAM_ROUTES_H_

#include "tools/serve/server_state.h"

namespace evbus::serve {

// GET /streams: {"streams": [{"stream", "user", "live", "stored"}]}.
Response ListStreamsRoute(ServerState* state, const Request& req);
// GET /streams/<sid>/snapshot: the inspector's JSON frame (evbus inspect --json).
Response SnapshotRoute(const Request& req, const StreamKey& key);
// GET /metrics: every stream's families (evbus inspect --prometheus), merged.
Response MetricsRoute(ServerState* state, const Request& req);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_STREAM_ROUTES_H_
