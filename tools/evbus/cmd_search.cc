// evbus search STREAM --root DIR: persisted events as JSON lines, from the
// store the persister writes (OpenHands' search_events). With --live, the
// stream's unified view: events still only in the ring follow the stored
// ones with no hole (persist/unified_view.h).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>

#include "persist/store.h"
#include "persist/unified_view.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/store_args.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

void PrintLine(const std::string& json) {
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
}

// The store and the ring as one stream; forward searches stream their output.
int SearchLive(const Args& args, const StreamTarget& target, const persist::SearchQuery& query) {
  persist::UnifiedViewOptions options;
  options.store_root = *args.Get("--root");
  options.session_id = target.stream;
  options.user_id = target.user;
  auto view = persist::UnifiedView::Open(options);
  if (!view.ok()) return Fail("search", view.status());
  if (query.reverse) {
    auto events = (*view)->SearchEventsJson(query);
    if (!events.ok()) return Fail("search", events.status());
    for (const persist::StoredEvent& event : *events) PrintLine(event.json);
    return kExitOk;
  }
  const std::int64_t latest = (*view)->GetLatestEventId();
  const std::int64_t last = query.end_id ? std::min(*query.end_id, latest) : latest;
  std::int64_t remaining = query.limit.value_or(0);  // 0: unlimited
  std::int64_t next = 0;
  Status s = (*view)->ForEach(
      query.start_id, last,
      [&](const persist::StoredEvent& event) {
        if (!query.filter->Matches(event.meta, event.json)) return true;
        PrintLine(event.json);
        return remaining == 0 || --remaining > 0;
      },
      nullptr, &next);
  if (!s.ok()) {
    std::fflush(stdout);
    return Fail("search", s);
  }
  return kExitOk;
}

}  // namespace

int CmdSearch(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--root", "--start", "--end", "--limit"}, {"--reverse", "--live"}, {}};
  AddFilterFlags(&spec);
  auto args = Args::Parse(argv, spec, 1, 1);
  if (!args.ok()) return UsageError("search", args.status().message());
  auto target = StreamFromArgs(*args);
  if (!target.ok()) return UsageError("search", target.status().message());
  if (!args->Has("--root")) return UsageError("search", "--root DIR is required");
  auto filter = FilterFromArgs(*args);
  if (!filter.ok()) return UsageError("search", filter.status().message());
  persist::SearchQuery query;
  query.reverse = args->Has("--reverse");
  query.filter = &filter.value();
  if (auto v = args->Get("--start")) {
    auto n = ParseInt(*v, "--start");
    if (!n.ok() || *n < 0) return UsageError("search", "--start expects an event id (0 or more)");
    query.start_id = *n;
  }
  if (auto v = args->Get("--end")) {
    auto n = ParseInt(*v, "--end");
    if (!n.ok() || *n < 0) return UsageError("search", "--end expects an event id (0 or more)");
    query.end_id = *n;
  }
  if (auto v = args->Get("--limit")) {
    auto n = ParseInt(*v, "--limit");
    if (!n.ok() || *n < 0) {
      return UsageError("search",
                        "--limit expects a count of 0 or more (0: no limit), got \"" + *v + "\"");
    }
    query.limit = *n;  // 0: no limit, as OpenHands' search_events
  }
  auto opened = OpenStoreFromArgs(*args, *target);
  if (!opened.ok()) return Fail("search", opened.status());
  std::unique_ptr<persist::Store> store = std::move(*opened);
  if (args->Has("--live")) return SearchLive(*args, *target, query);
  persist::EventIterator it = store->Search(query);
  while (it.Next()) {
    std::fwrite(it.json().data(), 1, it.json().size(), stdout);
    std::fputc('\n', stdout);
  }
  if (!it.status().ok()) {
    std::fflush(stdout);
    return Fail("search", it.status());
  }
  return kExitOk;
}

}  // namespace evbus::cli
