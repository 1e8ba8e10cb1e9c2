// STREAM [--user U]: the stream a subcommand works on, validated, with the
// error messages every subcommand shares.
#ifndef EVBUS_TOOLS_EVBUS_STREAM_ARGS_H_
#define EVBUS_TOOLS_EVBUS_STREAM_ARGS_H_

#include <memory>
#include <string>

#include "base/status.h"
#include "shm/segment.h"
#include "tools/evbus/cli.h"

namespace evbus::cli {

struct StreamTarget {
  std::string stream;
  std::string user;  // "" = no user

  // " (user \"u\")" or "".
  std::string user_note() const;
  // `stream "abc" does not exist; create it with: evbus create abc`
  Status NotFound() const;
};

// The first positional argument and --user, validated.
Result<StreamTarget> StreamFromArgs(const Args& args);

// Opens the stream's segment read-write; a missing stream gets NotFound()'s
// message.
Result<std::unique_ptr<shm::Segment>> OpenSegment(const StreamTarget& target);

// JSON string escaping for the few values the CLI prints itself.
std::string JsonEscape(std::string_view text);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_STREAM_ARGS_H_
