// evbus search STREAM --root DIR: persisted events as JSON lines, from the
// store the persister writes (OpenHands' search_events).
#include <cstdio>
#include <memory>
#include <string>

#include "persist/store.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/store_args.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {

int CmdSearch(const std::vector<std::string>& argv) {
  FlagSpec spec{{"--user", "--root", "--start", "--end", "--limit"}, {"--reverse"}, {}};
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
    if (!n.ok() || *n < 1) return UsageError("search", "--limit expects a positive count");
    query.limit = *n;
  }
  std::unique_ptr<persist::Store> store;
  if (Status st = OpenStoreFromArgs(*args, *target, &store); !st.ok()) return Fail("search", st);
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
