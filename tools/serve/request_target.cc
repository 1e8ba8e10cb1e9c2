#include "tools/serve/request_target.h"

#include <charconv>

namespace evbus::serve {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' is a space in the query only.
Result<std::string> Decode(std::string_view text, bool query) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      const int hi = i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
      const int lo = hi >= 0 ? HexValue(text[i + 2]) : -1;
      if (lo < 0) {
        return Status::InvalidArgument(
            "malformed percent escape in the request target; encode '%' as %25");
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && query) {
      c = ' ';
    }
    if (c == '\0') return Status::InvalidArgument("the request target contains a NUL byte");
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::optional<std::string> RequestTarget::Get(std::string_view name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> RequestTarget::GetAll(std::string_view name) const {
  std::vector<std::string> values;
  auto [begin, end] = query.equal_range(name);
  for (auto it = begin; it != end; ++it) values.push_back(it->second);
  return values;
}

Result<RequestTarget> ParseRequestTarget(std::string_view target) {
  RequestTarget out;
  const std::size_t q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (out.path.empty() || out.path[0] != '/') {
    return Status::InvalidArgument("the request target must be a path starting with '/'");
  }
  std::string_view rest = std::string_view(out.path).substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    EVBUS_ASSIGN_OR_RETURN(std::string segment, Decode(rest.substr(0, slash), false));
    if (!segment.empty()) out.segments.push_back(std::move(segment));
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    EVBUS_ASSIGN_OR_RETURN(std::string name, Decode(pair.substr(0, eq), true));
    std::string value;
    if (eq != std::string_view::npos) {
      EVBUS_ASSIGN_OR_RETURN(value, Decode(pair.substr(eq + 1), true));
    }
    out.query.emplace(std::move(name), std::move(value));
  }
  return out;
}

Result<std::optional<std::int64_t>> IntParam(const RequestTarget& target, std::string_view name,
                                             std::int64_t min) {
  auto text = target.Get(name);
  if (!text) return std::optional<std::int64_t>();
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < min) {
    return Status::InvalidArgument(std::string(name) + " must be an integer of " +
                                   std::to_string(min) + " or more, got \"" + *text + "\"");
  }
  return std::optional<std::int64_t>(value);
}

Result<bool> BoolParam(const RequestTarget& target, std::string_view name, bool fallback) {
  auto text = target.Get(name);
  if (!text) return fallback;
  if (*text == "true" || *text == "1" || *text == "True") return true;
  if (*text == "false" || *text == "0" || *text == "False") return false;
  return Status::InvalidArgument(std::string(name) + " must be true or false, got \"" + *text +
                                 "\"");
}

}  // namespace evbus::serve
