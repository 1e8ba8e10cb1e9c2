// The routes under /streams/<sid>/events (event_routes.cc).
#ifndef EVBUS_TOOLS_SERVE_EVENT_ROUTES_H_
#define EVBUS_TOOLS_SERVE_EVENT_ROUTES_H_

#include <string_view>

#include "tools/serve/server_state.h"

namespace evbus::serve {

// GET /streams/<sid>/events: {"events": [...], "has_more": bool}.
Response SearchEventsRoute(ServerState* state, const Request& req, const RequestTarget& target,
                           const StreamKey& key);
// GET /streams/<sid>/events/<id>: the event's JSON.
Response GetEventRoute(ServerState* state, const Request& req, const StreamKey& key,
                       std::string_view id_text);
// POST /streams/<sid>/events: {"id": N}, the event redacted like any producer's.
Response PostEventRoute(ServerState* state, const Request& req, const StreamKey& key);
// A Status as the JSON error with its HTTP status (NotFound 404, ...).
Response ErrorFromStatus(const Request& req, const Status& s);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_EVENT_ROUTES_H_
