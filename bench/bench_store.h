// The stores the benchmarks read: one way to build them, one way to open them.
//
// A benchmark that reads a store builds it once per process, untimed, with
// StoreWriter and SyncPolicy::kNever (what is measured is reading it; how fast
// it was written is persist_bench's Append), and then opens it as often as it
// measures. Stores live under the benchmark's BenchDir, one folder per name,
// all of one session, kBenchSession.
#ifndef EVBUS_BENCH_BENCH_STORE_H_
#define EVBUS_BENCH_BENCH_STORE_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "bench/bench_util.h"
#include "core/event.h"
#include "persist/record_convert.h"
#include "persist/store.h"
#include "persist/store_writer.h"

namespace evbus::bench {

inline constexpr char kBenchSession[] = "s";

// The event with id `id` of a benchmark's store.
using MakeEventFn = Event (*)(std::int64_t id);

// A benchmark cannot go on without its store: says why and exits.
[[noreturn]] inline void FailBench(const std::string& what, const Status& status) {
  std::fprintf(stderr, "benchmark setup: %s: %s\n", what.c_str(), status.ToString().c_str());
  std::exit(1);
}

// The root of a store holding make_event(0) .. make_event(count - 1) under
// dir/name. Built on the first call for `name`; later calls with that name
// return the same root (whatever `count` they pass).
inline const std::string& BuildStore(const BenchDir& dir, const std::string& name,
                                     std::int64_t count, MakeEventFn make_event) {
  static std::map<std::string, std::string> built;
  if (auto it = built.find(name); it != built.end()) return it->second;
  const std::string root = dir.path() + "/" + name;
  Result<std::string> evbus_dir = persist::EvbusDir(root, kBenchSession, "");
  if (!evbus_dir.ok()) FailBench("name a store in " + root, evbus_dir.status());
  auto writer = persist::StoreWriter::Open(
      *evbus_dir, persist::StoreWriterOptions{.sync_policy = persist::SyncPolicy::kNever});
  if (!writer.ok()) FailBench("open a store writer in " + root, writer.status());
  for (std::int64_t id = 0; id < count; ++id) {
    const Event event = make_event(id);
    Status s = (*writer)->Append(
        persist::RecordMetaFromEvent(static_cast<std::uint64_t>(id), event), EventToJson(event));
    if (!s.ok()) FailBench("append event " + std::to_string(id) + " to " + root, s);
  }
  if (Status s = (*writer)->Close(); !s.ok()) FailBench("close the store in " + root, s);
  return built[name] = root;
}

// The store under `root` (from BuildStore), opened for reading.
inline std::unique_ptr<persist::Store> OpenStore(const std::string& root,
                                                 persist::StoreOptions options = {}) {
  auto store = persist::Store::Open(root, kBenchSession, "", options);
  if (!store.ok()) FailBench("open the store in " + root, store.status());
  return std::move(*store);
}

}  // namespace evbus::bench

#endif  // EVBUS_BENCH_BENCH_STORE_H_
