// HandleRequest: the route table of `evbus serve` (docs/serve.md), every
// request but the live streams (connection.cc).
#include "tools/serve/event_routes.h"
#include "tools/serve/page_assets.h"
#include "tools/serve/server_state.h"
#include "tools/serve/stream_routes.h"

namespace evbus::serve {
namespace {

Response MethodNotAllowed(const Request& req, std::string_view allowed) {
  Response res = ErrorReply(req, http::status::method_not_allowed,
                            "method " + std::string(req.method_string()) +
                                " is not allowed here; use " + std::string(allowed));
  res.set(http::field::allow, Bv(allowed));
  return res;
}

Response NotFound(const Request& req) {
  return ErrorReply(req, http::status::not_found,
                    "no such resource: " + std::string(req.target()) +
                        "; the routes are /, /metrics, /streams and /streams/<sid>/{events,"
                        "events/<id>,snapshot,live} (docs/serve.md)");
}

// /streams/<sid>/...
Response StreamRequest(ServerState* state, const Request& req, const RequestTarget& target) {
  const std::vector<std::string>& seg = target.segments;
  auto key = StreamFromTarget(target);
  if (!key.ok()) return ErrorReply(req, http::status::bad_request, key.status().message());
  const bool get = req.method() == http::verb::get;
  if (seg.size() == 3 && seg[2] == "events") {
    if (get) return SearchEventsRoute(state, req, target, *key);
    if (req.method() == http::verb::post) return PostEventRoute(state, req, *key);
    return MethodNotAllowed(req, "GET, POST");
  }
  if (seg.size() == 4 && seg[2] == "events") {
    return get ? GetEventRoute(state, req, *key, seg[3]) : MethodNotAllowed(req, "GET");
  }
  if (seg.size() == 3 && seg[2] == "snapshot") {
    return get ? SnapshotRoute(req, *key) : MethodNotAllowed(req, "GET");
  }
  return NotFound(req);
}

}  // namespace

Response HandleRequest(ServerState* state, const Request& req, const RequestTarget& target) {
  const std::vector<std::string>& seg = target.segments;
  const bool get = req.method() == http::verb::get;
  if (seg.empty() || (seg.size() == 1 && PageAsset(seg[0]) != nullptr)) {
    if (!get) return MethodNotAllowed(req, "GET");
    const PageFile* file = PageAsset(seg.empty() ? "index.html" : seg[0]);
    return Reply(req, http::status::ok, std::string(file->body), file->content_type);
  }
  if (seg.size() == 1 && seg[0] == "metrics") {
    return get ? MetricsRoute(state, req) : MethodNotAllowed(req, "GET");
  }
  if (seg.size() == 1 && seg[0] == "streams") {
    return get ? ListStreamsRoute(state, req) : MethodNotAllowed(req, "GET");
  }
  if (seg.size() >= 2 && seg[0] == "streams") return StreamRequest(state, req, target);
  return NotFound(req);
}

}  // namespace evbus::serve
