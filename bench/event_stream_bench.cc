// EventStream benchmarks.
//
//   event_stream_bench --benchmark_filter=AddEvent    throughput, one producer
//   event_stream_bench --benchmark_filter=Latency     add_event -> callback in another process
//
// Throughput: real OpenHands events of 0.5-2 KiB (the recorded trajectories),
// 20 registered secrets, one thread pinned to CPU 0. Baselines in the same
// run: the raw ring publish of the same bodies (no redaction, no
// serialization) and a mutex + std::deque<std::string> queue that copies the
// serialized event in and out.
// Latency: a forked subscriber process (EventStream, one callback) pinned to
// CPU 1, the producer to CPU 0; one event in flight at a time, carrying its
// CLOCK_MONOTONIC send time (taken before add_event); percentiles of
// receive - send. Args: wait (0 blocking, 1 busy spin) and dispatch (0
// shared dispatcher, 1 direct, 2 kAuto: with blocking waits, the defaults). Direct: the callback's
// worker is the only reader thread, on CPU 1, and the producer spins on CPU 0 for the answer.
// Shared with spinning waits has two spinning threads on the subscriber
// side: the dispatcher is pinned to CPU 1 and the worker to CPU 0, and the
// producer sleeps between events so the worker keeps CPU 0.
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "core/secret_patterns.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "shm/wait.h"
#include "stream/event_stream.h"
#include "stream/shared_secrets.h"

namespace evbus {
namespace {

// The streams' stores; removed at exit (a forked reader leaves with _exit).
const bench::BenchDir kStoreRoot("evbus_stream_bench");

void PinTo(int cpu, pid_t tid = 0) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)::sched_setaffinity(tid, sizeof(set), &set);
}

// Real events of 0.5-2 KiB, ids and timestamps cleared.
const std::vector<Event>& Events() {
  static const std::vector<Event> events = [] {
    std::vector<Event> out;
    std::ifstream in(EVBUS_SOURCE_DIR "/tests/data/openhands-trajectories/canonical.jsonl");
    std::string line;
    while (std::getline(in, line)) {
      auto e = ParseEvent(line);
      if (!e.ok()) continue;
      e->id = Event::kInvalidId;
      e->timestamp_ns.reset();
      const std::size_t size = EventToJson(*e).size();
      if (size >= 512 && size <= 2048) out.push_back(std::move(*e));
    }
    return out;
  }();
  return events;
}

// Twenty 28-32 byte secrets: tokens with the usual prefixes (GitHub "ghp_",
// OpenAI "sk-proj-"), or, with `random_prefixes`, 20 distinct random ones
// (the matcher's prefix prefilter then stays off).
Redactor::SecretMap TwentySecrets(bool random_prefixes = false) {
  std::mt19937 rng(7);
  const std::string alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  Redactor::SecretMap secrets;
  for (int i = 0; i < 20; ++i) {
    std::string s = i % 2 == 0 ? "ghp_" : "sk-proj-";
    if (random_prefixes) {
      for (char& c : s) c = alnum[rng() % alnum.size()];
    }
    for (int k = 0; k < 24; ++k) s.push_back(alnum[rng() % alnum.size()]);
    secrets["secret_" + std::to_string(i)] = s;
  }
  return secrets;
}

struct BenchStream {
  std::string sid;
  std::unique_ptr<EventStream> stream;
  explicit BenchStream(const std::string& tag,
                       shm::WaitStrategy wait = shm::WaitStrategy::kBlocking) {
    sid = "bench-" + tag + "-" + std::to_string(::getpid());
    EventStreamOptions options;
    options.store_root = kStoreRoot.path();
    options.wait_strategy = wait;
    options.log = [](const std::string&) {};
    auto s = EventStream::Open(sid, options);
    if (!s.ok()) std::abort();
    stream = std::move(*s);
  }
  ~BenchStream() {
    (void)stream->Close();
    (void)shm::Segment::Remove(sid, "");
    (void)SharedSecrets::Remove(sid, "");
  }
};

// Steady state: a stream's ring pages are mapped once, when its first lap
// touches them (about 11 us per 4 KiB page fault on this VM: 16 k faults for
// the 64 MiB ring, which would dominate a one-second run). The throughput
// benchmarks therefore lap the ring once, untimed, before measuring.
constexpr std::size_t kRingBytes = 64u << 20;  // EventStreamOptions::capacity default

void BM_AddEvent(benchmark::State& state) {
  PinTo(0);
  BenchStream bs("add");
  if (!bs.stream->SetSecrets(TwentySecrets(state.range(0) == 1)).ok()) std::abort();
  if (state.range(0) == 2 && !bs.stream->SetSecretPatterns(SecretPatterns::None()).ok()) {
    std::abort();
  }
  std::vector<Event> events = Events();
  std::size_t i = 0, bytes = 0;
  for (std::size_t warm = 0; warm < kRingBytes;) {
    Event& e = events[i++ % events.size()];
    e.id = Event::kInvalidId;
    if (!bs.stream->AddEvent(&e, Source::kAgent).ok()) std::abort();
    warm += 64 + e.message.size() + e.content.size() + e.args_json.size() + e.extras_json.size() +
            e.tool_call_metadata_json.size() + e.llm_metrics_json.size();
  }
  for (auto _ : state) {
    Event& e = events[i++ % events.size()];
    e.id = Event::kInvalidId;
    auto id = bs.stream->AddEvent(&e, Source::kAgent);
    benchmark::DoNotOptimize(id);
    bytes += e.content.size() + e.args_json.size() + e.extras_json.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
// Arg 0: token secrets ("ghp_", "sk-proj-"); 1: random prefixes; 2: token
// secrets with the built-in secret patterns switched off (their cost is
// Arg 0 beside Arg 2).
BENCHMARK(BM_AddEvent)->Arg(0)->Arg(1)->Arg(2);

// Baseline: the same bodies, serialized once up front, published raw.
void BM_AddEventBaselineRawRingPublish(benchmark::State& state) {
  PinTo(0);
  BenchStream bs("raw");
  std::unique_ptr<shm::Segment> segment;
  segment = bench::OrAbort(shm::Segment::Open(bs.sid, ""));
  std::unique_ptr<shm::Producer> producer;
  producer = bench::OrAbort(shm::Producer::Attach(segment.get(), "raw"));
  std::vector<std::string> bodies;
  for (const Event& e : Events()) bodies.push_back(EventToJson(e));
  std::size_t i = 0;
  for (std::size_t warm = 0; warm < kRingBytes; ++i) {  // lap the ring once (see BM_AddEvent)
    const std::string& body = bodies[i % bodies.size()];
    std::uint64_t id = 0;
    if (!producer->Publish(RecordMetaFor(Events()[i % bodies.size()]), body, -1, &id).ok()) {
      std::abort();
    }
    warm += 64 + body.size();
  }
  for (auto _ : state) {
    const Event& e = Events()[i % bodies.size()];
    std::uint64_t id = 0;
    Status s = producer->Publish(RecordMetaFor(e), bodies[i++ % bodies.size()], -1, &id);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AddEventBaselineRawRingPublish);

// Baseline: serialize, copy into a mutex-guarded std::deque, copy out.
void BM_AddEventBaselineMutexDeque(benchmark::State& state) {
  PinTo(0);
  std::mutex mu;
  std::deque<std::string> queue;
  std::vector<Event> events = Events();
  std::size_t i = 0;
  std::string out;
  for (auto _ : state) {
    const Event& e = events[i++ % events.size()];
    std::string json = EventToJson(e);
    {
      std::lock_guard<std::mutex> lock(mu);
      queue.push_back(json);
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      out = queue.front();
      queue.pop_front();
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_AddEventBaselineMutexDeque);

// Pins this process's threads named `name` to `cpu`.
void PinThreads(const std::string& name, int cpu) {
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* ent = ::readdir(d)) {
      if (ent->d_name[0] == '.') continue;
      std::ifstream comm(std::string("/proc/self/task/") + ent->d_name + "/comm");
      std::string n;
      std::getline(comm, n);
      if (n == name) PinTo(cpu, static_cast<pid_t>(std::atoi(ent->d_name)));
    }
    ::closedir(d);
  }
}

struct Shared {
  std::atomic<std::uint64_t> received;
  std::atomic<int> ready;
  std::int64_t latency_ns[20000];
};

// One BM_Latency configuration: wait strategy x callback dispatch.
struct LatencyCase {
  bool spin;
  bool direct;
  bool defaults;  // callback_dispatch left at kAuto (direct for a first callback)
  int pings() const { return spin && !direct ? 1000 : 20000; }  // spinning shared: ms per event
  shm::WaitStrategy wait() const {
    return spin ? shm::WaitStrategy::kBusySpin : shm::WaitStrategy::kBlocking;
  }
};

// The forked reader: subscribes to `sid`, stamps each event's latency into
// *shared, and leaves with _exit once it has seen `pings` events.
[[noreturn]] void RunLatencyReader(const std::string& sid, LatencyCase c, Shared* shared) {
  PinTo(1);
  EventStreamOptions options;
  options.store_root = kStoreRoot.path();
  options.wait_strategy = c.wait();
  options.callback_dispatch = c.direct ? CallbackDispatch::kDirect : CallbackDispatch::kShared;
  if (c.defaults) options.callback_dispatch = CallbackDispatch::kAuto;
  auto s = EventStream::Open(sid, options);
  if (!s.ok()) ::_exit(1);
  const auto pings = static_cast<std::uint64_t>(c.pings());
  auto cb = [shared, pings](const Event& e) {
    const std::int64_t now = shm::MonotonicNanos();
    const std::uint64_t n = shared->received.load(std::memory_order_relaxed);
    if (n < pings) shared->latency_ns[n] = now - std::stoll(e.content);
    shared->received.store(n + 1, std::memory_order_release);
  };
  if (!(*s)->Subscribe(SubscriberId::kServer, cb, "latency").ok()) ::_exit(2);
  if (c.spin && !c.direct) {
    PinThreads("evbus-dispatch", 1);
    PinThreads("evbus-callback", 0);
  }
  shared->ready.store(1, std::memory_order_release);
  while (shared->received.load(std::memory_order_acquire) < pings) ::usleep(1000);
  (void)(*s)->Close();
  ::_exit(0);
}

// Publishes `pings` events one at a time, each after the reader saw the last.
void PingReader(EventStream* stream, LatencyCase c, const Shared* shared) {
  auto parsed = ParseEvent(R"({"observation":"null","content":"","extras":{}})");
  if (!parsed.ok()) std::abort();
  Event e = std::move(*parsed);
  for (int i = 0; i < c.pings(); ++i) {
    e.id = Event::kInvalidId;
    e.content = std::to_string(shm::MonotonicNanos());
    (void)stream->AddEvent(&e, Source::kAgent);
    while (shared->received.load(std::memory_order_acquire) < static_cast<std::uint64_t>(i + 1)) {
      if (c.spin && !c.direct) {
        ::usleep(20);  // leave CPU 0 to the spinning worker
      } else {
        shm::CpuRelax();
      }
    }
  }
}

void ReportLatency(benchmark::State& state, LatencyCase c, const Shared* shared) {
  std::vector<std::int64_t> lat(shared->latency_ns, shared->latency_ns + c.pings());
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    return static_cast<double>(lat[static_cast<std::size_t>(p / 100.0 * (c.pings() - 1))]);
  };
  state.counters["p50_ns"] = pct(50);
  state.counters["p99_ns"] = pct(99);
  state.counters["p99.9_ns"] = pct(99.9);
  state.counters["max_ns"] = static_cast<double>(lat.back());
  state.SetLabel(std::string(c.spin ? "busy spin" : "blocking") +
                 (c.defaults ? ", auto dispatch (the defaults)"
                  : c.direct ? ", direct dispatch"
                             : ", shared dispatcher"));
}

void BM_Latency(benchmark::State& state) {
  const LatencyCase c{
      .spin = state.range(0) != 0, .direct = state.range(1) == 1, .defaults = state.range(1) == 2};
  BenchStream bs(c.spin ? "lat-spin" : "lat-block", c.wait());
  const std::size_t bytes = sizeof(Shared);
  auto* shared = static_cast<Shared*>(
      ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  new (shared) Shared{};
  const pid_t child = ::fork();
  if (child == 0) RunLatencyReader(bs.sid, c, shared);
  PinTo(0);
  while (shared->ready.load(std::memory_order_acquire) == 0) ::usleep(100);
  for (auto _ : state) PingReader(bs.stream.get(), c, shared);
  int status = 0;
  ::waitpid(child, &status, 0);
  ReportLatency(state, c, shared);
  ::munmap(shared, bytes);
}
BENCHMARK(BM_Latency)
    ->Args({1, 1})
    ->Args({1, 0})
    ->Args({0, 1})
    ->Args({0, 0})
    ->Args({0, 2})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace evbus

BENCHMARK_MAIN();
