// A request target ("/streams/abc/events?start_id=3&reverse=true") split into
// its decoded path segments and query parameters, and the stream a path
// names, validated ([A-Za-z0-9._-]{1,64}, not "." or "..": no way out of the
// store root).
#ifndef EVBUS_TOOLS_SERVE_REQUEST_TARGET_H_
#define EVBUS_TOOLS_SERVE_REQUEST_TARGET_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace evbus::serve {

struct RequestTarget {
  std::string path;                   // as sent, without the query
  std::vector<std::string> segments;  // decoded, empty ones dropped
  std::multimap<std::string, std::string, std::less<>> query;

  std::optional<std::string> Get(std::string_view name) const;
  std::vector<std::string> GetAll(std::string_view name) const;
};

// InvalidArgument for a malformed percent escape or a NUL.
Result<RequestTarget> ParseRequestTarget(std::string_view target);

// An integer parameter >= `min`; unset when absent; InvalidArgument naming it.
Result<std::optional<std::int64_t>> IntParam(const RequestTarget& target, std::string_view name,
                                             std::int64_t min);
// "true"/"false"/"1"/"0" (absent: `fallback`).
Result<bool> BoolParam(const RequestTarget& target, std::string_view name, bool fallback);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_REQUEST_TARGET_H_
