// evbus get STREAM --root DIR (ID | --latest | --latest-id): one persisted
// event as a JSON line, or the latest persisted id (-1 when none). With
// --live, the stream's unified view: events still only in the ring count too.
// An id at or below the latest that has no event is explained: abandoned (by
// which producer pid), overwritten in the ring, damaged.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "persist/missing_record.h"
#include "persist/store.h"
#include "persist/unified_view.h"
#include "shm/peek.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/store_args.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

// Why `id`, which is not above the stream's latest id, has no event: what the
// store recorded for it, else (not stored yet) what the ring says of it.
Status ExplainMissingLive(const persist::Store& store, const StreamTarget& target, std::int64_t id,
                          const Status& not_found) {
  const auto stored = store.GetEventJson(id);
  if (id <= store.latest_id()) return stored.ok() ? not_found : stored.status();
  auto segment = shm::Segment::OpenReadOnly(target.stream, target.user);
  if (!segment.ok()) return not_found;
  shm::Record record;
  std::vector<char> buffer;
  if (shm::PeekRecord(**segment, static_cast<std::uint64_t>(id), &record, &buffer) !=
      shm::PeekStatus::kAbandoned) {
    return not_found;
  }
  return Status::NotFound(
      "event " + std::to_string(id) + " is missing: it was " +
      persist::MissingCause(persist::MissingReason::kAbandoned, record.abandoned_by_pid));
}

// One event (or the latest id) of the store and the ring as one stream.
int GetLive(const Args& args, const StreamTarget& target, const persist::Store& store,
            bool latest_id, bool latest, std::int64_t id) {
  persist::UnifiedViewOptions options;
  options.store_root = *args.Get("--root");
  options.session_id = target.stream;
  options.user_id = target.user;
  auto view = persist::UnifiedView::Open(options);
  if (!view.ok()) return Fail("get", view.status());
  const std::int64_t newest = (*view)->GetLatestEventId();
  if (latest_id) {
    std::printf("%lld\n", static_cast<long long>(newest));
    return kExitOk;
  }
  if (latest) id = newest;
  auto event = id >= 0 ? (*view)->GetEventJson(id)
                       : Result<persist::StoredEvent>(Status::NotFound("the stream is empty"));
  if (event.status().IsNotFound() && id >= 0 && id <= newest) {
    return Fail("get", ExplainMissingLive(store, target, id, event.status()));
  }
  if (event.status().IsNotFound()) {
    return Fail("get", Status::NotFound("no event with id " + std::to_string(id) +
                                        " in the store or the ring; the latest id is " +
                                        std::to_string(newest) +
                                        " (see: evbus get STREAM --root DIR --live --latest-id)"));
  }
  if (!event.ok()) return Fail("get", event.status());
  std::printf("%s\n", event->json.c_str());
  return kExitOk;
}

}  // namespace

int CmdGet(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--root"}, {"--latest", "--latest-id", "--live"}, {}};
  auto args = Args::Parse(argv, spec, 1, 2);
  if (!args.ok()) return UsageError("get", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("get", target.status().message());
  if (!args->Has("--root")) return UsageError("get", "--root DIR is required");
  const bool latest = args->Has("--latest"), latest_id = args->Has("--latest-id");
  const bool has_id = args->positional().size() == 2;
  if (static_cast<int>(latest) + static_cast<int>(latest_id) + static_cast<int>(has_id) != 1) {
    return UsageError("get", "give exactly one of: an event ID, --latest, --latest-id");
  }
  std::int64_t id = -1;
  if (has_id) {
    auto n = ParseInt(args->positional()[1], "ID");
    if (!n.ok() || *n < 0) return UsageError("get", "ID must be an event id (0 or more)");
    id = *n;
  }
  auto opened = OpenStoreFromArgs(*args, *target);
  if (!opened.ok()) return Fail("get", opened.status());
  std::unique_ptr<persist::Store> store = std::move(*opened);
  if (args->Has("--live")) return GetLive(*args, *target, *store, latest_id, latest, id);
  if (latest_id) {
    std::printf("%lld\n", static_cast<long long>(store->GetLatestEventId()));
    return kExitOk;
  }
  if (latest) {
    id = store->GetLatestEventId();
    if (id < 0) {
      return Fail("get", Status::NotFound("stream \"" + target->stream + "\"" +
                                          target->user_note() + " has no persisted events yet"));
    }
  }
  auto event = store->GetEventJson(id);
  if (event.status().IsNotFound() && id <= store->latest_id()) {
    return Fail("get", event.status());  // stored as missing: says why (and by whom)
  }
  if (event.status().IsNotFound()) {
    return Fail("get", Status::NotFound("no persisted event with id " + std::to_string(id) +
                                        "; the latest persisted id is " +
                                        std::to_string(store->GetLatestEventId()) +
                                        " (see: evbus get STREAM --root DIR --latest-id)"));
  }
  if (!event.ok()) return Fail("get", event.status());
  std::printf("%s\n", event->json.c_str());
  return kExitOk;
}

}  // namespace evbus::cli
