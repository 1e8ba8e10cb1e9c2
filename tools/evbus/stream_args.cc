#include "tools/evbus/stream_args.h"

#include <cstdio>

namespace evbus::cli {

std::string StreamTarget::user_note() const {
  return user.empty() ? std::string() : " (user \"" + user + "\")";
}

Status StreamTarget::NotFound() const {
  std::string create = "evbus create " + stream + (user.empty() ? "" : " --user " + user);
  return Status::NotFound("stream \"" + stream + "\"" + user_note() +
                          " does not exist; create it with: " + create);
}

Result<StreamTarget> StreamFromArgs(const Args& args) {
  StreamTarget target;
  target.stream = args.positional().at(0);
  target.user = args.GetOr("--user", "");
  EVBUS_RETURN_IF_ERROR(shm::ValidateNamePart(target.stream, "stream name"));
  if (!target.user.empty()) EVBUS_RETURN_IF_ERROR(shm::ValidateNamePart(target.user, "user id"));
  return target;
}

Result<std::unique_ptr<shm::Segment>> OpenSegment(const StreamTarget& target) {
  auto segment = shm::Segment::Open(target.stream, target.user);
  if (segment.status().IsNotFound()) return target.NotFound();
  return segment;
}

std::string JsonEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace evbus::cli
