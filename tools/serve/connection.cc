// ServeConnection: one client connection of `evbus serve`: requests read
// with a size limit and a deadline, answered in turn (keep-alive, a bounded
// number of them), until the client closes, a limit is hit, or the request
// asks for a live stream, which then holds the connection.
#include <poll.h>
#include <sys/socket.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/detail/hybi13.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "tools/serve/event_routes.h"
#include "tools/serve/live_session.h"
#include "tools/serve/server.h"

namespace evbus::serve {
namespace {

namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

bool WriteReply(FdStream* stream, Response& res, const ServerState& state) {
  stream->set_deadline(Clock::now() + state.options.request_timeout);
  beast::error_code ec;
  http::write(*stream, res, ec);
  return !ec;
}

// Waits until the client sends its next request; false when it does not
// within the request timeout or the server stops.
bool WaitForRequest(FdStream* stream, const beast::flat_buffer& buffer, const ServerState& state) {
  if (buffer.size() > 0) return true;
  const auto deadline = Clock::now() + state.options.request_timeout;
  while (!state.stopping.load(std::memory_order_relaxed) && Clock::now() < deadline) {
    pollfd p{stream->fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) > 0) return true;
  }
  return false;
}

// The id a live client starts at: Last-Event-ID + 1, else ?start_id, else
// the next id to be added (live only).
Result<std::int64_t> LiveStart(const Request& req, const RequestTarget& target,
                               persist::UnifiedView* view) {
  std::string last = std::string(req["Last-Event-ID"]);
  if (last.empty()) last = target.Get("last_event_id").value_or("");
  if (!last.empty()) {
    RequestTarget t;
    t.query.emplace("Last-Event-ID", last);
    EVBUS_ASSIGN_OR_RETURN(std::optional<std::int64_t> id, IntParam(t, "Last-Event-ID", -1));
    return *id + 1;
  }
  EVBUS_ASSIGN_OR_RETURN(std::optional<std::int64_t> start, IntParam(target, "start_id", 0));
  return start ? *start : view->GetLatestEventId() + 1;
}

std::string LiveHead(const Request& req, LiveFraming framing) {
  if (framing == LiveFraming::kWebSocket) {
    beast::websocket::detail::sec_ws_accept_type accept;
    beast::websocket::detail::make_sec_ws_accept(accept, req[http::field::sec_websocket_key]);
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           std::string(accept.data(), accept.size()) + "\r\n\r\n";
  }
  return "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
         "Connection: keep-alive\r\nX-Accel-Buffering: no\r\n" +
         SecurityHeaderLines() + "\r\n";
}

// GET /streams/<sid>/live (SSE, or WebSocket on an upgrade request).
void ServeLive(ServerState* state, FdStream* stream, const Request& req,
               const RequestTarget& target) {
  Response error;
  const bool websocket = beast::websocket::is_upgrade(req);
  auto key = StreamFromTarget(target);
  auto hub = key.ok() ? state->registry.Hub(*key) : Result<std::shared_ptr<LiveHub>>(key.status());
  auto start = hub.ok() ? LiveStart(req, target, (*hub)->view()) : hub.status();
  if (!start.ok()) {
    error = ErrorFromStatus(req, start.status());
  } else if (state->live_clients.fetch_add(1, std::memory_order_relaxed) >=
             state->options.max_live_clients) {
    state->live_clients.fetch_sub(1, std::memory_order_relaxed);
    error = ErrorReply(req, http::status::service_unavailable,
                       "too many live clients on this evbus serve; close some and retry");
  } else {
    const LiveFraming framing = websocket ? LiveFraming::kWebSocket : LiveFraming::kSse;
    stream->set_deadline(Clock::now() + state->options.request_timeout);
    LiveSessionOptions options;
    options.framing = framing;
    options.start_id = *start;
    options.buffer_bytes = state->options.live_buffer_bytes;
    options.stop = &state->stopping;
    options.head = LiveHead(req, framing);
    RunLiveSession(stream, hub->get(), options);
    state->live_clients.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  error.keep_alive(false);
  WriteReply(stream, error, *state);
}

bool IsLive(const RequestTarget& target, const Request& req) {
  return req.method() == http::verb::get && target.segments.size() == 3 &&
         target.segments[0] == "streams" && target.segments[2] == "live";
}

// Closes gracefully after an error the client may still be sending into (a
// body over the limit): closing with unread input would reset the
// connection and could destroy the reply before the client reads it.
void DrainAndClose(FdStream* stream) {
  constexpr std::size_t kMaxDrain = 8u << 20;
  ::shutdown(stream->fd(), SHUT_WR);
  stream->set_deadline(Clock::now() + std::chrono::seconds(1));
  char sink[16384];
  std::size_t drained = 0;
  beast::error_code ec;
  while (drained < kMaxDrain && !ec) drained += stream->ReadSome(sink, sizeof sink, ec);
}

// Answers a request the parser refused; false (close) always.
bool ReadFailed(FdStream* stream, const beast::error_code& ec, const ServerState& state) {
  if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
      ec == boost::asio::error::timed_out || ec == boost::asio::error::connection_reset) {
    return false;
  }
  Request blank;
  blank.version(11);
  Response res;
  if (ec == http::error::body_limit) {
    res = ErrorReply(blank, http::status::payload_too_large,
                     "the request body is larger than " +
                         std::to_string(state.options.max_body_bytes) +
                         " bytes; send one event per request");
  } else if (ec == http::error::header_limit) {
    res = ErrorReply(blank, http::status::request_header_fields_too_large,
                     "the request headers are larger than " +
                         std::to_string(state.options.max_header_bytes) + " bytes");
  } else {
    res = ErrorReply(blank, http::status::bad_request,
                     "malformed HTTP request (" + ec.message() + ")");
  }
  res.keep_alive(false);
  if (WriteReply(stream, res, state)) DrainAndClose(stream);
  return false;
}

// One request; false when the connection is done.
bool ServeOne(ServerState* state, FdStream* stream, beast::flat_buffer* buffer) {
  if (!WaitForRequest(stream, *buffer, *state)) return false;
  stream->set_deadline(Clock::now() + state->options.request_timeout);
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(state->options.max_header_bytes));
  parser.body_limit(state->options.max_body_bytes);
  beast::error_code ec;
  http::read(*stream, *buffer, parser, ec);
  if (ec) return ReadFailed(stream, ec, *state);
  const Request req = parser.release();
  auto target = ParseRequestTarget(Sv(req.target()));
  std::optional<Response> res;
  if (!target.ok()) {
    res = ErrorReply(req, http::status::bad_request, target.status().message());
  } else if (auto refused = CheckAccess(*state, req, *target)) {
    res = std::move(refused);
  } else if (IsLive(*target, req)) {
    ServeLive(state, stream, req, *target);
    return false;
  } else {
    res = HandleRequest(state, req, *target);
  }
  return WriteReply(stream, *res, *state) && res->keep_alive();
}

}  // namespace

void ServeConnection(ServerState* state, int fd) {
  FdStream stream(fd);
  beast::flat_buffer buffer;
  try {
    for (int served = 0; served < state->options.max_requests_per_connection; ++served) {
      if (!ServeOne(state, &stream, &buffer)) return;
    }
  } catch (const std::exception& e) {  // out of memory: this connection ends, the server goes on
    std::fprintf(stderr, "evbus serve: connection dropped: %s\n", e.what());
  }
}

}  // namespace evbus::serve
