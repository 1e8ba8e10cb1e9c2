// The replies of `evbus serve`: JSON bodies and errors, and the headers every
// response carries (content type, no caching of event data, no sniffing, no
// framing, CORS closed: no Access-Control-Allow-Origin is ever sent).
#ifndef EVBUS_TOOLS_SERVE_HTTP_REPLY_H_
#define EVBUS_TOOLS_SERVE_HTTP_REPLY_H_

#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

namespace evbus::serve {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// A reply to `req` (its version and keep-alive) with `body` of `content_type`.
Response Reply(const Request& req, http::status status, std::string body,
               std::string_view content_type);
Response JsonReply(const Request& req, http::status status, std::string json);
// {"error": "<message>", "status": <code>}
Response ErrorReply(const Request& req, http::status status, std::string_view message);

// The security headers, for replies built elsewhere (live streams).
std::string SecurityHeaderLines();

// Beast's string_view (Boost's) as the standard one.
inline std::string_view Sv(boost::beast::string_view s) { return {s.data(), s.size()}; }
inline boost::beast::string_view Bv(std::string_view s) { return {s.data(), s.size()}; }

// `text` as a JSON string, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_HTTP_REPLY_H_
