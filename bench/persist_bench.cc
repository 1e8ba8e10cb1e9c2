// persist benchmarks, each beside its same-run baseline:
//   Append/<policy>/<ckpt ms> 512 B events through StoreWriter
//   RawWrite/<policy>      the same bytes with plain write(2), same fsync policy
//   OpenHandsFiles         one JSON file per event (OpenHands' layout, no fsync, as it does)
//   SearchHeaderFilter     1e6 stored events, source filter (headers only): events/s
//   SearchQueryFilter      1e6 stored events, query that never matches: JSON bytes/s
//   GetEventRandom         random get_event: p50/p99 in counters
//   OpenLatestId           open + GetLatestEventId on 20,000 events
//   ListOpenHandsDir       OpenHands' cur_id: list events/ of 20,000 files, max id + 1
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_store.h"
#include "bench/bench_util.h"
#include "core/event.h"
#include "core/event_filter.h"
#include "persist/record_convert.h"
#include "persist/store.h"
#include "persist/store_writer.h"

namespace evbus::persist {
namespace {

const bench::BenchDir kBenchDir("evbus_persist_bench");  // removed at exit
std::string BenchRoot() { return kBenchDir.path(); }

// An observation whose JSON is about `size` bytes.
Event SampleEvent(std::int64_t id, std::size_t size, Source source) {
  Event event;
  event.id = id;
  event.type = EventTypeFromTag(EventKind::kObservation, "null").value();
  event.source = source;
  event.timestamp_ns = 1'700'000'000'000'000'000 + id;
  event.message = "No observation";
  event.content = "x";
  const std::size_t base = EventToJson(event).size();
  event.content.assign(size > base ? size - base + 1 : 1, static_cast<char>('a' + id % 26));
  return event;
}

constexpr SyncPolicy kPolicies[] = {SyncPolicy::kGroup, SyncPolicy::kNever};
constexpr auto kGroupInterval = std::chrono::milliseconds(5);

void Append(benchmark::State& state) {
  const SyncPolicy policy = kPolicies[state.range(0)];
  const std::string dir = BenchRoot() + "/append" + std::to_string(state.range(0));
  std::filesystem::remove_all(dir);
  StoreWriterOptions options;
  options.sync_policy = policy;
  options.checkpoint_interval = std::chrono::milliseconds(state.range(1));
  auto writer = StoreWriter::Open(dir, options);
  const Event event = SampleEvent(0, 512, Source::kAgent);
  const std::string body = EventToJson(event);
  std::uint64_t bytes = 0;
  for (auto _ : state) {
    const std::uint64_t id = (*writer)->next_id();
    if (!(*writer)->Append(RecordMetaFromEvent(id, event), body).ok())
      state.SkipWithError("append");
    bytes += PaddedRecordSize(body.size());  // what reaches the file, as RawWrite counts
  }
  (void)(*writer)->Close();
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(SyncPolicyName(policy)) +
                 (state.range(1) != 0
                      ? ", checkpoint every " + std::to_string(state.range(1)) + " ms"
                      : ", checkpoint every sync"));
}
// Args: policy (0 group, 1 never), checkpoint interval in ms (0: every sync;
// 1000 is the default).
BENCHMARK(Append)->Args({0, 1000})->Args({0, 0})->Args({1, 1000})->MinTime(2.0)->UseRealTime();

void RawWrite(benchmark::State& state) {
  const SyncPolicy policy = kPolicies[state.range(0)];
  std::filesystem::create_directories(BenchRoot());
  const std::string path = BenchRoot() + "/raw" + std::to_string(state.range(0));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  const std::string record(
      PaddedRecordSize(EventToJson(SampleEvent(0, 512, Source::kAgent)).size()), 'r');
  std::string buffer;
  auto last_sync = std::chrono::steady_clock::now();
  for (auto _ : state) {
    buffer += record;  // the same buffering the writer does
    if (buffer.size() >= (256u << 10)) {
      if (::write(fd, buffer.data(), buffer.size()) < 0) state.SkipWithError("write");
      buffer.clear();
    }
    if (policy == SyncPolicy::kGroup &&
        std::chrono::steady_clock::now() - last_sync >= kGroupInterval) {
      if (::write(fd, buffer.data(), buffer.size()) < 0) state.SkipWithError("write");
      buffer.clear();
      ::fdatasync(fd);
      last_sync = std::chrono::steady_clock::now();
    }
  }
  if (::write(fd, buffer.data(), buffer.size()) < 0) state.SkipWithError("write");
  ::close(fd);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(record.size()));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(SyncPolicyName(policy)));
}
BENCHMARK(RawWrite)->Arg(0)->Arg(1)->MinTime(2.0)->UseRealTime();

void OpenHandsFiles(benchmark::State& state) {
  const std::string dir = BenchRoot() + "/oh_write/sessions/s/events";
  std::filesystem::remove_all(BenchRoot() + "/oh_write");
  std::filesystem::create_directories(dir);
  const Event event = SampleEvent(0, 512, Source::kAgent);
  const std::string body = EventToJson(event);
  std::int64_t id = 0;
  for (auto _ : state) {
    const std::string path = dir + "/" + std::to_string(id++) + ".json";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ::write(fd, body.data(), body.size()) < 0) state.SkipWithError("write");
    ::close(fd);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(OpenHandsFiles)->MinTime(2.0)->UseRealTime();

// ~200 B events with rotating sources, for the read benchmarks' store.
Event StoredEvent(std::int64_t id) { return SampleEvent(id, 200, static_cast<Source>(1 + id % 3)); }

const std::string& BuildStore(std::int64_t count, const std::string& name) {
  return bench::BuildStore(kBenchDir, name, count, StoredEvent);
}

constexpr std::int64_t kSearchEvents = 1'000'000;

void SearchHeaderFilter(benchmark::State& state) {
  const std::string& root = BuildStore(kSearchEvents, "search");
  auto store = bench::OpenStore(root, StoreOptions{.page_cache_pages = 512});
  EventFilterSpec spec;
  spec.source = "user";  // every third event
  const EventFilter filter = EventFilter::Make(spec).value();
  std::int64_t matched = 0;
  {
    EventIterator warm = store->Search(SearchQuery());  // pages into the cache
    while (warm.Next()) {
    }
  }
  for (auto _ : state) {
    SearchQuery query;
    query.filter = &filter;
    EventIterator it = store->Search(query);
    while (it.Next()) ++matched;
  }
  state.SetItemsProcessed(state.iterations() * kSearchEvents);
  state.counters["matched_per_scan"] =
      static_cast<double>(matched) / static_cast<double>(state.iterations());
}
BENCHMARK(SearchHeaderFilter)->Unit(benchmark::kMillisecond)->UseRealTime();

void SearchQueryFilter(benchmark::State& state) {
  const std::string& root = BuildStore(kSearchEvents, "search");
  auto store = bench::OpenStore(root, StoreOptions{.page_cache_pages = 512});
  EventFilterSpec spec;
  spec.query = "never-in-any-event";
  const EventFilter filter = EventFilter::Make(spec).value();
  std::int64_t json_bytes = 0;
  {
    EventIterator it = store->Search(SearchQuery());
    while (it.Next()) json_bytes += static_cast<std::int64_t>(it.json().size());
  }
  for (auto _ : state) {
    SearchQuery query;
    query.filter = &filter;
    EventIterator it = store->Search(query);
    while (it.Next()) benchmark::DoNotOptimize(it.meta());
  }
  state.SetBytesProcessed(state.iterations() * json_bytes);
  state.SetItemsProcessed(state.iterations() * kSearchEvents);
}
BENCHMARK(SearchQueryFilter)->Unit(benchmark::kMillisecond)->UseRealTime();

void GetEventRandom(benchmark::State& state) {
  const std::string& root = BuildStore(kSearchEvents, "search");
  auto store = bench::OpenStore(root, StoreOptions{.page_cache_pages = 512});
  std::mt19937_64 rng(7);
  std::vector<double> ns;
  for (auto _ : state) {
    const auto id = static_cast<std::int64_t>(rng() % kSearchEvents);
    const auto start = std::chrono::steady_clock::now();
    auto event = store->GetEventJson(id);
    ns.push_back(
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
    benchmark::DoNotOptimize(event);
  }
  std::sort(ns.begin(), ns.end());
  state.counters["p50_ns"] = ns[ns.size() / 2];
  state.counters["p99_ns"] = ns[ns.size() * 99 / 100];
  state.counters["cache_hit_rate"] = store->cache_stats().hit_rate();
}
BENCHMARK(GetEventRandom)->Iterations(200000)->UseRealTime();

void OpenLatestId(benchmark::State& state) {
  const std::string& root = BuildStore(20000, "open");
  for (auto _ : state) {
    auto store = bench::OpenStore(root);
    benchmark::DoNotOptimize(store->GetLatestEventId());
  }
}
BENCHMARK(OpenLatestId)->Unit(benchmark::kMicrosecond)->UseRealTime();

void ListOpenHandsDir(benchmark::State& state) {
  const std::string dir = BenchRoot() + "/oh_list/sessions/s/events";
  if (!std::filesystem::exists(dir)) {
    std::filesystem::create_directories(dir);
    for (int id = 0; id < 20000; ++id) {
      const int fd =
          ::open((dir + "/" + std::to_string(id) + ".json").c_str(), O_WRONLY | O_CREAT, 0644);
      ::close(fd);
    }
  }
  for (auto _ : state) {
    std::int64_t max_id = -1;
    auto names = Env::Default()->ListDir(dir);
    for (const std::string& name : *names) {
      max_id = std::max<std::int64_t>(max_id, std::atoll(name.c_str()));
    }
    benchmark::DoNotOptimize(max_id + 1);
  }
}
BENCHMARK(ListOpenHandsDir)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace evbus::persist

BENCHMARK_MAIN();
