// Who may ask what of `evbus serve`: the bearer token, the Host header of a
// loopback server (a page on another site cannot reach it by DNS
// rebinding) and the stream a path names.
#include <cstring>
#include <string>

#include "persist/store_paths.h"
#include "tools/serve/server_state.h"

namespace evbus::serve {
namespace {

// Compares in time that does not depend on where the first difference is.
bool SameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

bool LoopbackHostHeader(std::string_view host) {
  if (host.empty()) return true;  // HTTP/1.0 clients send none
  if (host.front() == '[') return host.substr(0, 5) == "[::1]";
  const std::size_t colon = host.find(':');
  std::string name(host.substr(0, colon));
  return name == "localhost" || IsLoopbackHost(name);
}

}  // namespace

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host.rfind("127.", 0) == 0;
}

std::optional<Response> CheckAccess(const ServerState& state, const Request& req,
                                    const RequestTarget& target) {
  if (IsLoopbackHost(state.options.host) && !LoopbackHostHeader(Sv(req[http::field::host]))) {
    return ErrorReply(req, http::status::misdirected_request,
                      "this server listens on loopback only; address it as 127.0.0.1 or "
                      "localhost (the Host header names another host)");
  }
  const bool page =
      target.path == "/" || (target.segments.size() == 1 &&
                             (target.segments[0] == "app.js" || target.segments[0] == "app.css"));
  if (state.options.token.empty() || page) return std::nullopt;
  const std::string_view auth = Sv(req[http::field::authorization]);
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.substr(0, kBearer.size()) == kBearer &&
      SameSecret(auth.substr(kBearer.size()), state.options.token)) {
    return std::nullopt;
  }
  Response res = ErrorReply(req, http::status::unauthorized,
                            "this server needs its token: send the header "
                            "\"Authorization: Bearer <token>\" (the token is in the file "
                            "given to evbus serve --token-file)");
  res.set(http::field::www_authenticate, "Bearer realm=\"evbus\"");
  return res;
}

Result<StreamKey> StreamFromTarget(const RequestTarget& target) {
  StreamKey key;
  key.stream = target.segments.at(1);
  EVBUS_RETURN_IF_ERROR(persist::ValidateStreamName("stream", key.stream));
  if (auto user = target.Get("user"); user && !user->empty()) {
    EVBUS_RETURN_IF_ERROR(persist::ValidateStreamName("user", *user));
    key.user = *user;
  }
  return key;
}

}  // namespace evbus::serve
