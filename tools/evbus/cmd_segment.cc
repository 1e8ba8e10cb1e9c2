// evbus create / destroy / list: the lifecycle of a stream's segment.
#include <cstdio>
#include <memory>

#include "shm/segment.h"
#include "stream/shared_secrets.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {

int CmdCreate(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--capacity", "--max-event", "--mode", "--index-slots"}, {}, {}};
  auto args = Args::Parse(argv, spec, 1, 1);
  if (!args.ok()) return UsageError("create", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("create", target.status().message());
  shm::SegmentOptions options;
  if (auto v = args->Get("--capacity")) {
    auto size = ParseSize(*v, "--capacity");
    if (!size.ok()) return UsageError("create", size.status().message());
    options.data_capacity = *size;
  }
  if (auto v = args->Get("--max-event")) {
    auto size = ParseSize(*v, "--max-event");
    if (!size.ok()) return UsageError("create", size.status().message());
    if (*size > UINT32_MAX) return UsageError("create", "--max-event must be below 4GiB");
    options.max_record_size = static_cast<std::uint32_t>(*size);
  }
  if (auto v = args->Get("--index-slots")) {
    auto n = ParseSize(*v, "--index-slots");
    if (!n.ok() || *n > UINT32_MAX) return UsageError("create", "--index-slots: a power of two");
    options.index_slots = static_cast<std::uint32_t>(*n);
  }
  if (auto v = args->Get("--mode")) {
    char* end = nullptr;
    unsigned long mode = std::strtoul(v->c_str(), &end, 8);
    if (v->empty() || *end != '\0' || mode > 0777) {
      return UsageError(
          "create", "--mode expects octal permissions such as 0600 or 0660, got \"" + *v + "\"");
    }
    options.mode = static_cast<std::uint32_t>(mode);
  }
  auto segment = shm::Segment::Create(target->stream, target->user, options);
  if (!segment.ok()) return Fail("create", segment.status());
  std::fprintf(stderr, "created stream \"%s\"%s: %llu bytes of ring, max event %u bytes\n",
               target->stream.c_str(), target->user_note().c_str(),
               static_cast<unsigned long long>(options.data_capacity), options.max_record_size);
  return kExitOk;
}

int CmdDestroy(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, FlagSpec{{"--user"}, {}, {}}, 1, 1);
  if (!args.ok()) return UsageError("destroy", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("destroy", target.status().message());
  Status st = shm::Segment::Remove(target->stream, target->user);
  if (st.IsNotFound()) return Fail("destroy", target->NotFound());
  if (!st.ok()) return Fail("destroy", st);
  // The stream's secret set goes with it (a missing file is not an error).
  (void)SharedSecrets::Remove(target->stream, target->user);
  std::fprintf(stderr, "destroyed stream \"%s\"%s\n", target->stream.c_str(),
               target->user_note().c_str());
  return kExitOk;
}

int CmdList(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, FlagSpec{}, 0, 0);
  if (!args.ok()) return UsageError("list", args.status().message());
  for (const shm::SegmentInfo& info : shm::Segment::List()) {
    std::printf(
        "{\"stream\":\"%s\",\"user\":\"%s\",\"shm_name\":\"%s\",\"size\":%llu,"
        "\"producers\":%d,\"subscribers\":%d,\"durable_subscribers\":%d,\"creator_pid\":%d,"
        "\"alive\":%s,\"valid\":%s%s%s%s}\n",
        info.stream.c_str(), info.user.c_str(), info.shm_name.c_str(),
        static_cast<unsigned long long>(info.size_bytes), info.live_producers,
        info.live_subscribers, info.durable_subscribers, static_cast<int>(info.creator_pid),
        info.stale() ? "false" : "true", info.valid ? "true" : "false",
        info.valid ? "" : ",\"error\":\"", info.valid ? "" : JsonEscape(info.error).c_str(),
        info.valid ? "" : "\"");
  }
  return kExitOk;
}

}  // namespace evbus::cli
