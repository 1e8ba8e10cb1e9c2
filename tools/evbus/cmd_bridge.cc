// evbus bridge out|in|status STREAM: forwards a stream to NATS JetStream, or
// mirrors one from it into a local segment (docs/multi-host.md), until
// SIGTERM/SIGINT. Credentials are never printed: the server shows without them.
#include <cstdio>
#include <string>

#include "bridge/bridge_in.h"
#include "bridge/bridge_out.h"
#include "bridge/bridge_status.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stop_signal.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

FlagSpec BridgeFlags() {
  return FlagSpec{{"--user", "--nats", "--stream", "--subject", "--replicas", "--window",
                   "--nats-user", "--nats-password", "--nats-token", "--nats-creds", "--from",
                   "--from-user", "--connect-timeout-ms", "--capacity", "--duplicate-window-ms"},
                  {"--create-stream"},
                  {}};
}

void LogLine(const std::string& line) { std::fprintf(stderr, "evbus %s\n", line.c_str()); }

Status PositiveFlag(const Args& args, std::string_view flag, std::int64_t* out) {
  if (auto v = args.Get(flag)) {
    auto n = ParseInt(*v, flag);
    if (!n.ok()) return n.status();
    if (*n <= 0) return Status::InvalidArgument(std::string(flag) + " must be at least 1");
    *out = *n;
  }
  return Status::OK();
}

Status CommonOptions(const Args& args, bridge::NatsConfig* nats, bridge::StreamSpec* spec) {
  nats->url = args.GetOr("--nats", nats->url);
  nats->user = args.GetOr("--nats-user", "");
  nats->password = args.GetOr("--nats-password", "");
  nats->token = args.GetOr("--nats-token", "");
  nats->creds_file = args.GetOr("--nats-creds", "");
  bridge::FillCredentialsFromEnv(nats);
  EVBUS_RETURN_IF_ERROR(PositiveFlag(args, "--connect-timeout-ms", &nats->connect_timeout_ms));
  spec->name = args.GetOr("--stream", spec->name);
  spec->subject_prefix = args.GetOr("--subject", spec->subject_prefix);
  spec->create = args.Has("--create-stream");
  EVBUS_RETURN_IF_ERROR(PositiveFlag(args, "--replicas", &spec->replicas));
  return PositiveFlag(args, "--duplicate-window-ms", &spec->duplicate_window_ms);
}

int RunOut(const Args& args, const StreamTarget& target) {
  bridge::BridgeOutOptions o;
  if (Status st = CommonOptions(args, &o.nats, &o.stream); !st.ok()) {
    return UsageError("bridge out", st.message());
  }
  std::int64_t window = static_cast<std::int64_t>(o.window);
  if (Status st = PositiveFlag(args, "--window", &window); !st.ok()) {
    return UsageError("bridge out", st.message());
  }
  o.window = static_cast<std::uint64_t>(window);
  o.session_id = target.stream;
  o.user = target.user;
  o.stop = [] { return StopRequested(); };
  o.log = LogLine;
  if (auto segment = OpenSegment(target); !segment.ok())
    return Fail("bridge out", segment.status());
  InstallStopHandlers();
  auto b = bridge::BridgeOut::Start(o);
  if (!b.ok()) return Fail("bridge out", b.status());
  Status st = (*b)->Run();
  return st.ok() ? kExitOk : Fail("bridge out", st);
}

int RunIn(const Args& args, const StreamTarget& target) {
  bridge::BridgeInOptions o;
  if (Status st = CommonOptions(args, &o.nats, &o.stream); !st.ok()) {
    return UsageError("bridge in", st.message());
  }
  if (auto v = args.Get("--capacity")) {
    auto size = ParseSize(*v, "--capacity");
    if (!size.ok()) return UsageError("bridge in", size.status().message());
    o.segment.data_capacity = *size;
  }
  o.session_id = target.stream;
  o.user = target.user;
  o.origin_session_id = args.GetOr("--from", target.stream);
  o.origin_user = args.GetOr("--from-user", target.user);
  o.stop = [] { return StopRequested(); };
  o.log = LogLine;
  InstallStopHandlers();
  auto b = bridge::BridgeIn::Start(o);
  if (!b.ok()) return Fail("bridge in", b.status());
  Status st = (*b)->Run();
  return st.ok() ? kExitOk : Fail("bridge in", st);
}

int RunStatus(const StreamTarget& target) {
  const auto statuses = bridge::ReadBridgeStatuses(target.stream, target.user);
  if (statuses.empty()) {
    return Fail("bridge status", Status::NotFound("no bridge has run for stream \"" +
                                                  target.stream + "\"" + target.user_note()));
  }
  for (const auto& s : statuses) std::printf("%s\n", bridge::BridgeStatusJson(s).c_str());
  return kExitOk;
}

}  // namespace

int CmdBridge(const std::vector<std::string>& argv) {
  if (argv.empty() || (argv[0] != "out" && argv[0] != "in" && argv[0] != "status")) {
    return UsageError("bridge", "expects out, in or status: evbus bridge out STREAM --nats URL");
  }
  const std::string role = argv[0];
  auto args = Args::Parse({argv.begin() + 1, argv.end()}, BridgeFlags(), 1, 1);
  if (!args.ok()) return UsageError("bridge " + role, args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("bridge " + role, target.status().message());
  if (role == "status") return RunStatus(*target);
  return role == "out" ? RunOut(*args, *target) : RunIn(*args, *target);
}

}  // namespace evbus::cli
