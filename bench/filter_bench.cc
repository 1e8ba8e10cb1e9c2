// EventFilter throughput.
//
//   BM_MatchesMeta        metadata-only decisions over 1e6 EventMeta (events/s)
//   BM_QueryScan          the filter query over real OpenHands event JSON cut into
//                         events of Arg bytes, query absent: the worst case (bytes/s)
//   BM_QueryLowerCopyFind baseline, same run: OpenHands' way, lowercase a copy
//                         of the JSON and std::string::find the lowercased query
//   BM_QueryMemmemExact   ceiling, same run: glibc memmem, case-sensitive
//
// Quote BM_QueryScan as a ratio to the baselines beside it.
#include <benchmark/benchmark.h>
#include <string.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/event_filter.h"
#include "core/event_meta.h"
#include "core/event_types.h"

namespace evbus {
namespace {

constexpr std::string_view kAbsentQuery = "NoSuchNeedle-42";

std::vector<EventMeta> RandomMetas(std::size_t count) {
  std::mt19937_64 rng(7);
  const auto types = AllEventTypes();
  std::uniform_int_distribution<std::size_t> type(0, types.size() - 1);
  std::uniform_int_distribution<int> source(0, 3);
  std::uniform_int_distribution<std::int64_t> second(0, 3 * 86400);
  std::vector<EventMeta> metas(count);
  const std::int64_t base_ns = 1'752'800'000'000'000'000;
  for (std::size_t i = 0; i < count; ++i) {
    metas[i].id = static_cast<std::int64_t>(i);
    metas[i].type = types[type(rng)].id;
    metas[i].source = static_cast<Source>(source(rng));
    metas[i].timestamp_ns = base_ns + second(rng) * 1'000'000'000;
    metas[i].hidden = (i % 16) == 0;
  }
  return metas;
}

void BM_MatchesMeta(benchmark::State& state) {
  static const std::vector<EventMeta> metas = RandomMetas(1'000'000);
  Result<EventFilter> filter = EventFilter::Make(EventFilterSpec()
                                                     .WithExcludeHidden(true)
                                                     .WithIncludeTypes({"Action"})
                                                     .WithExcludeTypes({"NullAction"})
                                                     .WithSource("agent")
                                                     .WithStartDate("2025-07-18T00:00:00Z")
                                                     .WithEndDate("2025-07-19T00:00:00Z"));
  if (!filter.ok()) {
    state.SkipWithError(filter.status().ToString().c_str());
    return;
  }
  std::size_t matched = 0;
  for (auto _ : state) {
    for (const EventMeta& meta : metas) matched += filter->MatchesMeta(meta) ? 1 : 0;
    benchmark::DoNotOptimize(matched);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(metas.size()));
  state.counters["matched_per_pass"] =
      static_cast<double>(matched) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_MatchesMeta)->Unit(benchmark::kMillisecond);

// Real event JSON (the recorded trajectories, one event per line), cut into
// pieces of `event_bytes` that stand for events of that size.
std::vector<std::string> JsonEvents(std::size_t event_bytes) {
  std::ifstream in(EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories/canonical.jsonl");
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  std::vector<std::string> events;
  for (std::size_t at = 0; at + event_bytes <= text.size(); at += event_bytes) {
    events.push_back(text.substr(at, event_bytes));
  }
  return events;
}

template <typename Scan>
void RunQueryScan(benchmark::State& state, Scan scan) {
  const std::vector<std::string> events = JsonEvents(static_cast<std::size_t>(state.range(0)));
  if (events.empty()) {
    state.SkipWithError("canonical.jsonl not found in tests/data/openhands-trajectories");
    return;
  }
  std::size_t bytes = 0;
  for (const std::string& event : events) bytes += event.size();
  std::size_t found = 0;
  for (auto _ : state) {
    for (const std::string& event : events) found += scan(event) ? 1 : 0;
    benchmark::DoNotOptimize(found);
  }
  if (found != 0) state.SkipWithError("the absent query was found: benchmark text is wrong");
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(events.size()));
}

void BM_QueryScan(benchmark::State& state) {
  Result<EventFilter> filter =
      EventFilter::Make(EventFilterSpec().WithQuery(std::string(kAbsentQuery)));
  RunQueryScan(state, [&](std::string_view json) { return filter->MatchesJson(json); });
}

void BM_QueryLowerCopyFind(benchmark::State& state) {
  std::string query(kAbsentQuery);
  for (char& c : query) c = FoldAscii(c);
  std::string lowered;
  RunQueryScan(state, [&](std::string_view json) {
    lowered.assign(json);
    for (char& c : lowered) c = FoldAscii(c);
    return lowered.find(query) != std::string::npos;
  });
}

void BM_QueryMemmemExact(benchmark::State& state) {
  RunQueryScan(state, [&](std::string_view json) {
    return memmem(json.data(), json.size(), kAbsentQuery.data(), kAbsentQuery.size()) != nullptr;
  });
}

BENCHMARK(BM_QueryScan)->Arg(256)->Arg(2048)->Arg(16384);
BENCHMARK(BM_QueryLowerCopyFind)->Arg(256)->Arg(2048)->Arg(16384);
BENCHMARK(BM_QueryMemmemExact)->Arg(256)->Arg(2048)->Arg(16384);

}  // namespace
}  // namespace evbus

BENCHMARK_MAIN();
