// Ring throughput and latency, with same-run baselines (a mutex + std::deque
// queue and boost::lockfree::spsc_queue) so ratios can be quoted.
//
//   build-*/ring_bench --benchmark_min_time=0.3s
//
// Publish: one producer, no subscriber gating it (what a producer pays).
// DurableRead: what a durable (gating) subscriber pays per record, with its
// check for sleeping producers (a seq_cst fence) after every record (arg
// wake_batch 1, the behaviour before batching) or once per batch (0, the
// default): the same-run ratio.
// DurablePipeline: the same with a producer thread on another CPU filling a
// 1024-record ring, so the cursor's cache line is shared with the gate.
// Latency: a producer thread and a reader thread pinned to different CPUs
// (sched_setaffinity), one message in flight at a time; p50/p99 of
// publish -> read in ns, measured by hand (steady clock).
#include <benchmark/benchmark.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/lockfree/spsc_queue.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_util.h"
#include "shm/producer.h"
#include "shm/subscriber.h"

namespace evbus::shm {
namespace {

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void PinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
  sched_setaffinity(0, sizeof(set), &set);
}

struct BenchSegment {
  explicit BenchSegment(const char* tag) {
    stream = std::string("ring_bench_") + tag + "_" + std::to_string(::getpid());
    SegmentOptions o;
    o.data_capacity = 16 << 20;
    o.index_slots = 1 << 16;
    o.max_record_size = 1 << 16;
    seg = bench::OrAbort(Segment::Create(stream, "", o));
  }
  ~BenchSegment() {
    seg.reset();
    (void)Segment::Remove(stream, "");
  }
  std::string stream;
  std::unique_ptr<Segment> seg;
};

void BM_RingPublish(benchmark::State& state) {
  BenchSegment b("pub");
  std::unique_ptr<Producer> p;
  p = bench::OrAbort(Producer::Attach(b.seg.get(), "bench"));
  std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  std::uint64_t id = 0;
  for (auto _ : state) {
    if (p->TryPublish({}, body, &id) != PublishResult::kOk) std::abort();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RingPublish)->Arg(512)->Arg(2048);

std::unique_ptr<Subscriber> AttachDurable(Segment* seg, std::int64_t wake_batch) {
  SubscriberOptions o;
  o.name = "bench";
  o.durable = true;
  o.wait = WaitStrategy::kBusySpin;
  o.wake_batch = static_cast<std::uint32_t>(wake_batch);
  std::unique_ptr<Subscriber> sub;
  sub = bench::OrAbort(Subscriber::Attach(seg, o));
  return sub;
}

// Each iteration publishes a block of records (untimed), then reads it with
// the durable subscriber until it finds nothing new (timed).
void BM_DurableRead(benchmark::State& state) {
  constexpr int kBlock = 4096;
  BenchSegment b("dread");
  std::unique_ptr<Producer> p;
  p = bench::OrAbort(Producer::Attach(b.seg.get(), "bench"));
  auto sub = AttachDurable(b.seg.get(), state.range(0));
  std::string body(static_cast<std::size_t>(state.range(1)), 'x');
  std::uint64_t id = 0;
  Record r;
  for (auto _ : state) {
    state.PauseTiming();
    for (int i = 0; i < kBlock; ++i) {
      if (p->TryPublish({}, body, &id) != PublishResult::kOk) std::abort();
    }
    state.ResumeTiming();
    for (int i = 0; i < kBlock; ++i) {
      if (sub->TryRead(&r) != ReadStatus::kRecord) std::abort();
    }
    if (sub->TryRead(&r) != ReadStatus::kEmpty) std::abort();  // publishes the rest
  }
  state.SetItemsProcessed(state.iterations() * kBlock);
}
BENCHMARK(BM_DurableRead)->ArgNames({"wake_batch", "bytes"})->ArgsProduct({{1, 0}, {64, 512}});

void BM_DurablePipeline(benchmark::State& state) {
  SegmentOptions o;
  o.data_capacity = 1 << 20;
  o.index_slots = 1024;
  o.max_record_size = 1 << 16;
  const std::string stream = "ring_bench_dpipe_" + std::to_string(::getpid());
  std::unique_ptr<Segment> seg;
  seg = bench::OrAbort(Segment::Create(stream, "", o));
  auto sub = AttachDurable(seg.get(), state.range(0));
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    PinToCpu(1);
    std::unique_ptr<Producer> p;
    p = bench::OrAbort(Producer::Attach(seg.get(), "bench"));
    std::string body(static_cast<std::size_t>(state.range(1)), 'x');
    std::uint64_t id = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      if (p->TryPublish({}, body, &id) != PublishResult::kOk) CpuRelax();
    }
  });
  PinToCpu(0);
  Record r;
  for (auto _ : state) {
    while (sub->TryRead(&r) != ReadStatus::kRecord) CpuRelax();
  }
  stop.store(true, std::memory_order_relaxed);
  producer.join();
  sub.reset();
  seg.reset();
  (void)Segment::Remove(stream, "");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DurablePipeline)
    ->ArgNames({"wake_batch", "bytes"})
    ->ArgsProduct({{1, 0}, {64, 512}})
    ->UseRealTime();

void BM_MutexDequePush(benchmark::State& state) {
  std::mutex mu;
  std::deque<std::string> q;
  std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    std::lock_guard<std::mutex> lock(mu);
    q.push_back(body);
    if (q.size() > 4096) q.pop_front();  // bounded like the ring
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MutexDequePush)->Arg(512)->Arg(2048);

void BM_BoostSpscPush(benchmark::State& state) {
  boost::lockfree::spsc_queue<char> q(16 << 20);
  std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  std::vector<char> sink(body.size());
  for (auto _ : state) {
    if (q.write_available() < body.size()) q.pop(sink.data(), sink.size());
    q.push(body.data(), body.size());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_BoostSpscPush)->Arg(512)->Arg(2048);

// One message in flight: the producer stamps the send time, the reader
// records now - stamp and lets the producer send the next one.
template <typename Send, typename Receive>
void MeasureLatency(benchmark::State& state, Send send, Receive receive) {
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> received{0};
  std::vector<std::int64_t> samples;
  samples.reserve(1 << 20);
  std::thread reader([&] {
    PinToCpu(1);
    std::int64_t stamp;
    while (!stop.load(std::memory_order_acquire)) {
      if (!receive(&stamp)) continue;
      samples.push_back(NowNs() - stamp);
      received.fetch_add(1, std::memory_order_release);
    }
  });
  PinToCpu(0);
  std::uint64_t sent = 0;
  for (auto _ : state) {
    send(NowNs());
    ++sent;
    while (received.load(std::memory_order_acquire) != sent) {
    }
  }
  stop.store(true, std::memory_order_release);
  reader.join();
  std::sort(samples.begin(), samples.end());
  if (!samples.empty()) {
    state.counters["p50_ns"] = static_cast<double>(samples[samples.size() / 2]);
    state.counters["p99_ns"] = static_cast<double>(samples[samples.size() * 99 / 100]);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RingLatency(benchmark::State& state) {
  BenchSegment b("lat");
  std::unique_ptr<Producer> p;
  std::unique_ptr<Subscriber> sub;
  SubscriberOptions o;
  o.name = "bench";
  o.wait = WaitStrategy::kBusySpin;
  p = bench::OrAbort(Producer::Attach(b.seg.get(), "bench"));
  sub = bench::OrAbort(Subscriber::Attach(b.seg.get(), o));
  std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  MeasureLatency(
      state,
      [&](std::int64_t stamp) {
        std::memcpy(body.data(), &stamp, sizeof(stamp));
        std::uint64_t id;
        if (p->TryPublish({}, body, &id) != PublishResult::kOk) std::abort();
      },
      [&](std::int64_t* stamp) {
        Record r;
        if (sub->TryRead(&r) != ReadStatus::kRecord) return false;
        std::memcpy(stamp, r.body.data(), sizeof(*stamp));
        return true;
      });
}
BENCHMARK(BM_RingLatency)->Arg(512)->Arg(2048)->UseRealTime();

void BM_MutexDequeLatency(benchmark::State& state) {
  std::mutex mu;
  std::deque<std::string> q;
  std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  MeasureLatency(
      state,
      [&](std::int64_t stamp) {
        std::memcpy(body.data(), &stamp, sizeof(stamp));
        std::lock_guard<std::mutex> lock(mu);
        q.push_back(body);
      },
      [&](std::int64_t* stamp) {
        std::string got;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (q.empty()) return false;
          got = std::move(q.front());
          q.pop_front();
        }
        std::memcpy(stamp, got.data(), sizeof(*stamp));
        return true;
      });
}
BENCHMARK(BM_MutexDequeLatency)->Arg(512)->Arg(2048)->UseRealTime();

void BM_BoostSpscLatency(benchmark::State& state) {
  boost::lockfree::spsc_queue<char> q(1 << 20);
  std::string body(static_cast<std::size_t>(state.range(0)), 'x');
  std::vector<char> got(body.size());
  MeasureLatency(
      state,
      [&](std::int64_t stamp) {
        std::memcpy(body.data(), &stamp, sizeof(stamp));
        q.push(body.data(), body.size());
      },
      [&](std::int64_t* stamp) {
        if (q.read_available() < got.size()) return false;
        q.pop(got.data(), got.size());
        std::memcpy(stamp, got.data(), sizeof(*stamp));
        return true;
      });
}
BENCHMARK(BM_BoostSpscLatency)->Arg(512)->Arg(2048)->UseRealTime();

}  // namespace
}  // namespace evbus::shm

BENCHMARK_MAIN();
