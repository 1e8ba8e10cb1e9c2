// Store read benchmarks, each beside its same-run baseline: the same workload
// through OpenHands' own layout (one JSON file per event under events/, plus
// event_cache/<a>-<b>.json pages of 25), read the way OpenHands' EventStore
// reads it: the cache page when there is one, else the event file, each event
// parsed, then the filter applied.
//
//   Search/<filter>            1e6 stored events (512 B - 2 KiB of JSON each),
//                              header-only filter: events scanned per second
//   OpenHandsSearch/<f>/<pages> the same filter over 20,000 events in
//                              OpenHands' layout (pages=1: cache pages read,
//                              0: event files only)
//   SearchQueryFilter          1e6 events, a query that never matches: JSON/s
//   OpenHandsSearchQueryFilter/<pages> the same over OpenHands' layout
//   GetEvent/<parse>           random get_event: p50/p99 (parse=1: into Event)
//   OpenHandsGetEvent          read events/<id>.json and parse it: p50/p99
//   OpenLatestId               open a 20,000-event store + get_latest_event_id
//   OpenHandsLatestId          list events/ of 20,000 files, max id (cur_id)
//
// Filters: 0 source, 1 type, 2 dates, 3 exclude hidden, 4 all four at once.
// Rates are per CPU second of the benchmark thread (user + system), so that
// other load on a shared machine counts less; p50/p99 are wall-clock.
// EVBUS_STORE_BENCH_EVENTS overrides the 1e6 (for a quick smoke run).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_store.h"
#include "bench/bench_util.h"
#include "bench/openhands_reader.h"
#include "core/event.h"
#include "core/event_filter.h"
#include "core/timestamp.h"
#include "persist/openhands_layout.h"
#include "persist/store.h"

namespace evbus::persist {
namespace {

constexpr std::int64_t kBaseNs = 1'750'000'000'000'000'000;
constexpr std::int64_t kStepNs = 1'000'000;  // one event per millisecond
constexpr std::int64_t kOpenHandsEvents = 20'000;

std::int64_t StoredEvents() {
  const char* text = std::getenv("EVBUS_STORE_BENCH_EVENTS");
  return text != nullptr ? std::max<std::int64_t>(std::atoll(text), 1000) : 1'000'000;
}

const bench::BenchDir kBenchDir("evbus_store_bench");  // removed at exit
std::string BenchRoot() { return kBenchDir.path(); }

// Commands, their outputs, messages and file reads, 512 B - 2 KiB of JSON,
// every tenth one hidden, one per millisecond.
Event MakeEvent(std::int64_t id) {
  static const EventTypeId kTypes[] = {EventTypeFromTag(EventKind::kAction, "run").value(),
                                       EventTypeFromTag(EventKind::kObservation, "run").value(),
                                       EventTypeFromTag(EventKind::kAction, "message").value(),
                                       EventTypeFromTag(EventKind::kObservation, "read").value()};
  static const Source kSources[] = {Source::kAgent, Source::kEnvironment, Source::kUser,
                                    Source::kEnvironment};
  const auto kind = static_cast<std::size_t>(id % 4);
  Event event;
  event.id = id;
  event.type = kTypes[kind];
  event.source = kSources[kind];
  event.timestamp_ns = kBaseNs + id * kStepNs;
  event.hidden = id % 10 == 7;
  const std::string hidden = event.hidden ? "true" : "false";
  event.message = "step " + std::to_string(id);
  const auto size = static_cast<std::size_t>(512 + (id * 7919) % 1537);
  const std::string filler(size - std::min<std::size_t>(size, 260),
                           static_cast<char>('a' + id % 26));
  if (kind % 2 == 0) {
    event.args_json = "{\"command\":\"ls -la " + filler + "\",\"hidden\":" + hidden + "}";
  } else {
    event.content = "total 42\n" + filler;
    event.extras_json = "{\"command\":\"ls\",\"exit_code\":0,\"hidden\":" + hidden + "}";
  }
  return event;
}

// The evbus store of `count` events under BenchRoot()/name, built once.
const std::string& BuildStore(std::int64_t count, const std::string& name) {
  return bench::BuildStore(kBenchDir, name, count, MakeEvent);
}

// The same events as BuildStore(kOpenHandsEvents) in OpenHands' layout.
const OpenHandsReader& OpenHandsTree() {
  static const OpenHandsReader reader = [] {
    const std::string& src = BuildStore(kOpenHandsEvents, "oh_source");
    auto store = bench::OpenStore(src);
    const std::string root = BenchRoot() + "/openhands";
    (void)ExportOpenHandsEvents(*store, root, bench::kBenchSession, "");
    return OpenHandsReader(root + "/sessions/s");
  }();
  return reader;
}

std::unique_ptr<Store> OpenBig() {
  return bench::OpenStore(BuildStore(StoredEvents(), "big"),
                          StoreOptions{.page_cache_pages = 4096});
}

EventFilter FilterFor(std::int64_t which, std::int64_t events) {
  EventFilterSpec spec;
  if (which == 0 || which == 4) spec.source = "agent";
  if (which == 1 || which == 4) spec.include_types = {"CmdRunAction"};
  if (which == 2 || which == 4) {  // the middle half of the stream
    spec.start_date = FormatTimestamp(kBaseNs + events / 4 * kStepNs);
    spec.end_date = FormatTimestamp(kBaseNs + events * 3 / 4 * kStepNs);
  }
  if (which == 3 || which == 4) spec.exclude_hidden = true;
  return EventFilter::Make(spec).value();
}

const char* const kFilterNames[] = {"source", "type", "dates", "hidden", "all4"};

void Search(benchmark::State& state) {
  const std::int64_t events = StoredEvents();
  auto store = OpenBig();
  const EventFilter filter = FilterFor(state.range(0), events);
  for (EventIterator warm = store->Search(SearchQuery()); warm.Next();) {
  }
  std::int64_t matched = 0;
  for (auto _ : state) {
    SearchQuery query;
    query.filter = &filter;
    for (EventIterator it = store->Search(query); it.Next();) ++matched;
  }
  state.SetLabel(kFilterNames[state.range(0)]);
  state.SetItemsProcessed(state.iterations() * events);
  state.counters["matched"] = static_cast<double>(matched / state.iterations());
}
BENCHMARK(Search)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

void OpenHandsSearch(benchmark::State& state) {
  const OpenHandsReader& reader = OpenHandsTree();
  const EventFilter filter = FilterFor(state.range(0), kOpenHandsEvents);
  const bool pages = state.range(1) != 0;
  std::int64_t matched = 0;
  for (auto _ : state) {
    Status s = reader.Search(0, kOpenHandsEvents - 1, pages, [&](const Event& event) {
      if (filter.MatchesEvent(event)) ++matched;
    });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetLabel(std::string(kFilterNames[state.range(0)]) + (pages ? " pages" : " files"));
  state.SetItemsProcessed(state.iterations() * kOpenHandsEvents);
  state.counters["matched"] =
      static_cast<double>(matched / std::max<std::int64_t>(1, state.iterations()));
}
BENCHMARK(OpenHandsSearch)->ArgsProduct({{0, 4}, {1, 0}})->Unit(benchmark::kMillisecond);

EventFilter NeverMatchingQuery() {
  EventFilterSpec spec;
  spec.query = "never-in-any-event";
  return EventFilter::Make(spec).value();
}

void SearchQueryFilter(benchmark::State& state) {
  auto store = OpenBig();
  const EventFilter filter = NeverMatchingQuery();
  std::int64_t json_bytes = 0;
  for (EventIterator it = store->Search(persist::SearchQuery()); it.Next();) {
    json_bytes += static_cast<std::int64_t>(it.json().size());
  }
  for (auto _ : state) {
    persist::SearchQuery query;
    query.filter = &filter;
    for (EventIterator it = store->Search(query); it.Next();) benchmark::DoNotOptimize(it.meta());
  }
  state.SetBytesProcessed(state.iterations() * json_bytes);
  state.SetItemsProcessed(state.iterations() * StoredEvents());
}
BENCHMARK(SearchQueryFilter)->Unit(benchmark::kMillisecond);

void OpenHandsSearchQueryFilter(benchmark::State& state) {
  const OpenHandsReader& reader = OpenHandsTree();
  const EventFilter filter = NeverMatchingQuery();
  const bool pages = state.range(0) != 0;
  std::int64_t json_bytes = 0;
  for (auto _ : state) {
    Status s = reader.Search(0, kOpenHandsEvents - 1, pages, [&](const Event& event) {
      json_bytes += static_cast<std::int64_t>(EventToJson(event).size());
      benchmark::DoNotOptimize(filter.MatchesEvent(event));
    });
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetLabel(pages ? "pages" : "files");
  state.SetBytesProcessed(json_bytes);
  state.SetItemsProcessed(state.iterations() * kOpenHandsEvents);
}
BENCHMARK(OpenHandsSearchQueryFilter)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

void ReportPercentiles(benchmark::State& state, std::vector<double>* ns) {
  if (ns->empty()) return;
  std::sort(ns->begin(), ns->end());
  state.counters["p50_ns"] = (*ns)[ns->size() / 2];
  state.counters["p99_ns"] = (*ns)[ns->size() * 99 / 100];
}

void GetEvent(benchmark::State& state) {
  const std::int64_t events = StoredEvents();
  auto store = OpenBig();
  for (EventIterator warm = store->Search(persist::SearchQuery()); warm.Next();) {
  }
  const bool parse = state.range(0) != 0;
  std::mt19937_64 rng(7);
  std::vector<double> ns;
  for (auto _ : state) {
    const auto id = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(events));
    const auto start = std::chrono::steady_clock::now();
    if (parse) {
      benchmark::DoNotOptimize(store->GetEvent(id));
    } else {
      benchmark::DoNotOptimize(store->GetEventJson(id));
    }
    ns.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  state.SetLabel(parse ? "Event" : "JSON text");
  ReportPercentiles(state, &ns);
  state.counters["cache_hit_rate"] = store->cache_stats().hit_rate();
}
BENCHMARK(GetEvent)->Arg(0)->Arg(1)->Iterations(200000);

void OpenHandsGetEvent(benchmark::State& state) {
  const OpenHandsReader& reader = OpenHandsTree();
  std::mt19937_64 rng(7);
  std::vector<double> ns;
  for (auto _ : state) {
    const auto id = static_cast<std::int64_t>(rng() % kOpenHandsEvents);
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(reader.GetEvent(id));
    ns.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  ReportPercentiles(state, &ns);
}
BENCHMARK(OpenHandsGetEvent)->Iterations(50000);

void OpenLatestId(benchmark::State& state) {
  const std::string& root = BuildStore(kOpenHandsEvents, "oh_source");
  for (auto _ : state) {
    auto store = bench::OpenStore(root);
    benchmark::DoNotOptimize(store->GetLatestEventId());
  }
}
BENCHMARK(OpenLatestId)->Unit(benchmark::kMicrosecond);

void OpenHandsLatestId(benchmark::State& state) {
  const OpenHandsReader& reader = OpenHandsTree();
  for (auto _ : state) benchmark::DoNotOptimize(reader.LatestId());
}
BENCHMARK(OpenHandsLatestId)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace evbus::persist

BENCHMARK_MAIN();
