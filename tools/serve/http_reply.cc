#include "tools/serve/http_reply.h"

#include "tools/evbus/stream_args.h"

namespace evbus::serve {
namespace {

constexpr std::string_view kSecurityHeaders[][2] = {
    {"Cache-Control", "no-store"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Content-Security-Policy",
     "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

}  // namespace

Response Reply(const Request& req, http::status status, std::string body,
               std::string_view content_type) {
  Response res{status, req.version()};
  res.set(http::field::server, "evbus");
  res.set(http::field::content_type, Bv(content_type));
  for (const auto& header : kSecurityHeaders) res.set(Bv(header[0]), Bv(header[1]));
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response JsonReply(const Request& req, http::status status, std::string json) {
  json.push_back('\n');
  return Reply(req, status, std::move(json), "application/json");
}

Response ErrorReply(const Request& req, http::status status, std::string_view message) {
  return JsonReply(req, status,
                   "{\"error\":" + JsonQuote(message) +
                       ",\"status\":" + std::to_string(static_cast<unsigned>(status)) + "}");
}

std::string SecurityHeaderLines() {
  std::string lines;
  for (const auto& header : kSecurityHeaders) {
    lines.append(header[0]).append(": ").append(header[1]).append("\r\n");
  }
  return lines;
}

std::string JsonQuote(std::string_view text) { return "\"" + cli::JsonEscape(text) + "\""; }

}  // namespace evbus::serve
