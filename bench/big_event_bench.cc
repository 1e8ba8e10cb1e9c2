// Big events (docs/shm_layout.md, section 13) beside same-run baselines:
//
//   build-rel/big_event_bench [--small N] [--big-mib M] [--rounds R]
//
// 1. Small events with and without big ones beside them: a producer thread
//    publishes N 1 KiB events (each carrying its publish time), a reader
//    thread reads everything in id order and takes the latency of each small
//    event; in the second run another producer publishes M MiB events all
//    the while. Reported: small events/s and p50/p99/max latency of each run,
//    and the ratios.
// 2. Big-event throughput: R events of M MiB published and read back (body
//    file written, read, both CRCs), in MB/s, against a plain memcpy of the
//    same bytes R times (one copy; the big-event path makes two, plus the
//    CRCs).
// Pin it (taskset -c 0,1) on a shared machine; quote only the ratios.
// Ignores --benchmark_* flags (`make bench` passes them to every bench).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
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

struct Args {
  std::uint64_t small = 20000;
  std::size_t big_mib = 8;
  int rounds = 40;
};

struct SmallRun {
  double events_per_s = 0;
  std::int64_t p50 = 0, p99 = 0, max = 0;
  std::uint64_t big_events = 0;
  std::size_t read = 0;  // small events read (fewer if the reader was lapped)
};

std::string NewStream(const char* tag) {
  return std::string("big_bench_") + tag + "_" + std::to_string(::getpid());
}

// Reads until `small` small events were seen (or, if the reader was lapped,
// until the small producer is done and nothing is left); their latencies.
std::vector<std::int64_t> ReadSmall(Subscriber* sub, std::uint64_t small,
                                    const std::atomic<bool>& small_done,
                                    std::atomic<std::uint64_t>* read_count) {
  std::vector<std::int64_t> lat;
  lat.reserve(small);
  Record r;
  while (lat.size() < small) {
    const bool was_done = small_done.load(std::memory_order_acquire);
    const ReadStatus st = sub->Read(&r, 100'000'000);
    if (st == ReadStatus::kEmpty && was_done) break;
    if (st != ReadStatus::kRecord) continue;
    if (r.body.size() != 1024) continue;  // a big event
    std::int64_t sent = 0;
    std::memcpy(&sent, r.body.data(), sizeof sent);
    lat.push_back(NowNs() - sent);
    read_count->store(lat.size(), std::memory_order_release);
  }
  return lat;
}

// paced: one small event in flight at a time (the latency runs); else as
// fast as the producer can (the throughput runs).
SmallRun RunSmall(const Args& a, bool with_big, bool paced) {
  const std::string stream = NewStream(with_big ? "mixed" : "small");
  (void)Segment::Remove(stream, "");
  auto seg = bench::OrAbort(Segment::Create(stream, "", {}));  // the default ring
  auto sub = bench::OrAbort(Subscriber::Attach(seg.get(), SubscriberOptions{"reader"}));
  std::atomic<bool> done{false}, small_done{false};
  std::atomic<std::uint64_t> read_count{0};
  std::atomic<std::uint64_t> big_events{0};
  std::thread big([&] {
    if (!with_big) return;
    auto p = bench::OrAbort(Producer::Attach(seg.get(), "big"));
    const std::string body(a.big_mib << 20, 'b');
    std::uint64_t id = 0;
    while (!done.load(std::memory_order_relaxed)) {
      if (p->Publish({}, body, 10'000'000'000, &id).ok()) big_events.fetch_add(1);
    }
  });
  const std::int64_t start = NowNs();
  std::thread small([&] {
    auto p = bench::OrAbort(Producer::Attach(seg.get(), "small"));
    std::string body(1024, 's');
    std::uint64_t id = 0;
    for (std::uint64_t i = 0; i < a.small; ++i) {
      while (paced && read_count.load(std::memory_order_acquire) < i) std::this_thread::yield();
      const std::int64_t now = NowNs();
      std::memcpy(body.data(), &now, sizeof now);
      if (!p->Publish({}, body, 10'000'000'000, &id).ok()) std::abort();
    }
    small_done.store(true, std::memory_order_release);
  });
  std::vector<std::int64_t> lat = ReadSmall(sub.get(), a.small, small_done, &read_count);
  const std::int64_t elapsed = NowNs() - start;
  done = true;
  small.join();
  big.join();
  sub.reset();
  seg.reset();
  (void)Segment::Remove(stream, "");
  std::sort(lat.begin(), lat.end());
  SmallRun run;
  run.read = lat.size();
  if (lat.empty()) return run;
  run.events_per_s = static_cast<double>(a.small) * 1e9 / static_cast<double>(elapsed);
  run.p50 = lat[lat.size() / 2];
  run.p99 = lat[lat.size() * 99 / 100];
  run.max = lat.back();
  run.big_events = big_events.load();
  return run;
}

// MB/s of publishing and reading back `rounds` big events, one at a time.
double BigThroughput(const Args& a) {
  const std::string stream = NewStream("big");
  (void)Segment::Remove(stream, "");
  auto seg = bench::OrAbort(Segment::Create(stream, "", {}));
  auto sub = bench::OrAbort(Subscriber::Attach(seg.get(), SubscriberOptions{"reader"}));
  auto p = bench::OrAbort(Producer::Attach(seg.get(), "big"));
  const std::string body(a.big_mib << 20, 'b');
  std::uint64_t id = 0;
  Record r;
  const std::int64_t start = NowNs();
  for (int i = 0; i < a.rounds; ++i) {
    if (!p->Publish({}, body, 10'000'000'000, &id).ok()) std::abort();
    if (sub->Read(&r, 1'000'000'000) != ReadStatus::kRecord || r.body.size() != body.size())
      std::abort();
  }
  const std::int64_t elapsed = NowNs() - start;
  p.reset();
  sub.reset();
  seg.reset();
  (void)Segment::Remove(stream, "");
  return static_cast<double>(body.size()) * a.rounds * 1e3 / static_cast<double>(elapsed);
}

double MemcpyThroughput(const Args& a) {
  const std::string src(a.big_mib << 20, 'b');
  std::string dst(src.size(), '\0');
  const std::int64_t start = NowNs();
  for (int i = 0; i < a.rounds; ++i) {
    std::memcpy(dst.data(), src.data(), src.size());
    dst[static_cast<std::size_t>(i) % dst.size()] ^= 1;  // keep the copy
  }
  const std::int64_t elapsed = NowNs() - start;
  return static_cast<double>(src.size()) * a.rounds * 1e3 / static_cast<double>(elapsed) +
         (dst[0] == 0 ? 1e-9 : 0);
}

Args Parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; ++i) {
    const std::string k = argv[i];
    if (k == "--small") a.small = std::stoull(argv[++i]);
    if (k == "--big-mib") a.big_mib = std::stoul(argv[++i]);
    if (k == "--rounds") a.rounds = std::stoi(argv[++i]);
  }
  return a;
}

}  // namespace
}  // namespace evbus::shm

int main(int argc, char** argv) {
  using namespace evbus::shm;
  const Args a = Parse(argc, argv);
  const SmallRun alone = RunSmall(a, false, false), mixed = RunSmall(a, true, false);
  const SmallRun alone_lat = RunSmall(a, false, true), mixed_lat = RunSmall(a, true, true);
  std::printf("small events (1 KiB, %llu), one reader reading everything in id order:\n",
              static_cast<unsigned long long>(a.small));
  std::printf("  %-22s %12s | paced, one in flight: %9s %10s %12s\n", "run", "events/s", "p50 ns",
              "p99 ns", "max ns");
  const std::pair<const char*, std::pair<SmallRun, SmallRun>> rows[] = {
      {"alone", {alone, alone_lat}}, {"beside big events", {mixed, mixed_lat}}};
  for (const auto& [name, r] : rows) {
    std::printf("  %-22s %12.0f | %31lld %10lld %12lld\n", name, r.first.events_per_s,
                static_cast<long long>(r.second.p50), static_cast<long long>(r.second.p99),
                static_cast<long long>(r.second.max));
  }
  std::printf(
      "  big events (%zu MiB) published beside: %llu and %llu; small events read: %zu %zu\n",
      a.big_mib, static_cast<unsigned long long>(mixed.big_events),
      static_cast<unsigned long long>(mixed_lat.big_events), mixed.read, mixed_lat.read);
  std::printf("  ratio beside/alone: throughput %.2f, p50 %.2f, p99 %.2f\n",
              mixed.events_per_s / alone.events_per_s,
              static_cast<double>(mixed_lat.p50) / static_cast<double>(alone_lat.p50),
              static_cast<double>(mixed_lat.p99) / static_cast<double>(alone_lat.p99));
  const double big = BigThroughput(a), copy = MemcpyThroughput(a);
  std::printf(
      "big events (%zu MiB x %d), publish + read back: %.0f MB/s; memcpy: %.0f MB/s; "
      "ratio %.2f\n",
      a.big_mib, a.rounds, big, copy, big / copy);
  return 0;
}
