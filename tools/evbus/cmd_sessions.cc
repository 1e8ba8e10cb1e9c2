// evbus sessions --root DIR [--user U]: the stored streams under DIR, one
// JSON line each: stream, user, events, first/last timestamp, size on disk,
// and whether a persister holds the store now.
#include <cstdio>
#include <optional>
#include <string>

#include "core/timestamp.h"
#include "persist/store_paths.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stored_streams.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

std::string TimestampJson(const std::optional<std::int64_t>& ns) {
  return ns ? "\"" + FormatTimestamp(*ns) + "\"" : "null";
}

void PrintSession(const StoredStream& stored, const StoredStreamSummary& s) {
  std::printf(
      "{\"stream\":\"%s\",\"user\":\"%s\",\"events\":%lld,\"latest_id\":%lld,"
      "\"first_timestamp\":%s,\"last_timestamp\":%s,\"bytes\":%llu,"
      "\"persister_alive\":%s,\"persister_pid\":%d}\n",
      JsonEscape(stored.stream).c_str(), JsonEscape(stored.user).c_str(),
      static_cast<long long>(s.latest_id + 1), static_cast<long long>(s.latest_id),
      TimestampJson(s.first_timestamp_ns).c_str(), TimestampJson(s.last_timestamp_ns).c_str(),
      static_cast<unsigned long long>(s.bytes_on_disk), s.persister_pid != 0 ? "true" : "false",
      s.persister_pid > 0 ? static_cast<int>(s.persister_pid) : 0);
}

}  // namespace

int CmdSessions(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--root"}, {}, {}};
  auto args = Args::Parse(argv, spec, 0, 0);
  if (!args.ok()) return UsageError("sessions", args.status().message());
  auto root = args->Get("--root");
  if (!root || root->empty()) {
    return UsageError("sessions", "--root DIR is required: the directory the persister writes");
  }
  std::optional<std::string> user = args->Get("--user");
  if (user) {
    if (Status st = persist::ValidateStreamName("user id", *user); !st.ok()) {
      return UsageError("sessions", st.message());
    }
  }
  auto streams = ListStoredStreams(*root, user);
  if (!streams.ok()) return Fail("sessions", streams.status());
  int exit_code = kExitOk;
  for (const StoredStream& stored : *streams) {
    auto summary = SummariseStoredStream(stored);
    if (!summary.ok()) {
      std::fflush(stdout);
      std::fprintf(stderr, "evbus sessions: stream \"%s\"%s: %s\n", stored.stream.c_str(),
                   stored.user.empty() ? "" : (" (user \"" + stored.user + "\")").c_str(),
                   summary.status().message().c_str());
      exit_code = kExitError;
      continue;
    }
    PrintSession(stored, *summary);
  }
  return exit_code;
}

}  // namespace evbus::cli
