// evbus tail STREAM: events as JSON lines in id order, from the ring.
// Without --follow it stops once it has caught up with what was published
// when it started. Gaps and abandoned ids are reported on stderr.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "shm/atomic128.h"
#include "shm/event_record.h"
#include "shm/subscriber.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

// Prints one record if it passes the filter. A header no event has is
// reported and skipped, as a record that failed its checksum is.
void PrintRecord(const shm::Record& rec, const EventFilter& filter, std::string* json) {
  Result<EventMeta> meta = EventMetaFromRecord(rec.id, rec.meta);
  if (!meta.ok()) {
    std::fprintf(stderr, "evbus tail: %s\n", meta.status().message().c_str());
    return;
  }
  if (!filter.MatchesMeta(*meta)) return;
  json->clear();
  AppendEventJsonWithId(rec.id, rec.body, json);
  if (filter.needs_json() && !filter.MatchesJson(*json)) return;
  json->push_back('\n');
  std::fwrite(json->data(), 1, json->size(), stdout);
}

// Where to start: --from ID, --latest, or the oldest event the ring holds.
Status ParseStart(const Args& args, shm::SubscriberOptions* options) {
  if (args.Has("--latest") && args.Has("--from")) {
    return Status::InvalidArgument("give --from ID or --latest, not both");
  }
  if (auto v = args.Get("--from")) {
    auto id = ParseInt(*v, "--from");
    if (!id.ok() || *id < 0) {
      return Status::InvalidArgument("--from expects an event id (0 or more)");
    }
    options->start = shm::StartAt::kAtId;
    options->start_id = static_cast<std::uint64_t>(*id);
  } else if (args.Has("--latest")) {
    options->start = shm::StartAt::kLatest;
  }
  return Status::OK();
}

// An id the ring could not deliver, said on stderr.
void ReportMissing(shm::ReadStatus status, const shm::Record& rec) {
  if (status == shm::ReadStatus::kGap) {
    std::fprintf(stderr,
                 "evbus tail: events %llu..%llu were overwritten before they were "
                 "read (gap); read them from the store with: evbus search\n",
                 static_cast<unsigned long long>(rec.gap_first),
                 static_cast<unsigned long long>(rec.gap_last));
  } else if (status == shm::ReadStatus::kAbandoned) {
    std::fprintf(stderr,
                 "evbus tail: event %llu is missing: its producer (%s) died, or stalled "
                 "past the abandon timeout, before finishing it (abandoned)\n",
                 static_cast<unsigned long long>(rec.id),
                 rec.abandoned_by_pid > 0 ? ("pid " + std::to_string(rec.abandoned_by_pid)).c_str()
                                          : "pid not known");
  } else if (status == shm::ReadStatus::kCorrupt) {
    std::fprintf(stderr, "evbus tail: event %llu failed its checksum and was skipped\n",
                 static_cast<unsigned long long>(rec.id));
  }
}

// Prints events until caught up with the head seen at the start (or, with
// `follow`, until a signal).
int PrintEvents(shm::Segment* segment, shm::Subscriber* sub, const EventFilter& filter,
                bool follow) {
  const std::uint64_t end = shm::LoadHalfAcquire(&segment->claim()->next_id);
  const std::int64_t wait_ns = segment->header().abandon_timeout_ns + 1'000'000'000;
  std::string json;
  shm::Record rec;
  while (!g_stop && (follow || sub->next_id() < end)) {
    const shm::ReadStatus status = sub->Read(&rec, follow ? 200'000'000 : wait_ns);
    if (status == shm::ReadStatus::kRecord) {
      PrintRecord(rec, filter, &json);
    } else if (status == shm::ReadStatus::kEmpty && !follow) {
      std::fprintf(stderr, "evbus tail: event %llu did not arrive in time\n",
                   static_cast<unsigned long long>(sub->next_id()));
      return kExitError;
    } else {
      ReportMissing(status, rec);
    }
    if (follow) std::fflush(stdout);
  }
  return kExitOk;
}

}  // namespace

int CmdTail(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--from"}, {"--latest", "--follow"}, {}};
  AddFilterFlags(&spec);
  auto args = Args::Parse(argv, spec, 1, 1);
  if (!args.ok()) return UsageError("tail", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("tail", target.status().message());
  auto filter = FilterFromArgs(*args);
  if (!filter.ok()) return UsageError("tail", filter.status().message());
  shm::SubscriberOptions options;
  options.name = "tail-" + std::to_string(getpid());
  if (Status st = ParseStart(*args, &options); !st.ok()) return UsageError("tail", st.message());
  auto opened = OpenSegment(*target);
  if (!opened.ok()) return Fail("tail", opened.status());
  std::unique_ptr<shm::Segment> segment = std::move(*opened);
  auto attached = shm::Subscriber::Attach(segment.get(), options);
  if (!attached.ok()) return Fail("tail", attached.status());
  std::unique_ptr<shm::Subscriber> sub = std::move(*attached);
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  return PrintEvents(segment.get(), sub.get(), *filter, args->Has("--follow"));
}

}  // namespace evbus::cli
