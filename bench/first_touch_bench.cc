// What a fresh page of shared memory costs the first time a process writes
// it, by how the page was prepared (shm/ring_prefault.h, "Why touch"):
//   Lazy               nothing: the write takes the page fault
//   Populated          madvise(MADV_POPULATE_WRITE) first (the prefaulter
//                      before it read each page)
//   PopulatedAndRead   populated, then one byte of each page read
//                      (what shm::PopulateDataRing does now)
//   Warm               written once before (the ceiling: a later lap)
// Each iteration maps a fresh 16 MiB POSIX shm object, prepares it (not
// timed; its cost per page is the counter prepare_ns_per_page), then times
// writing 1,400-byte records over it (the counter write_per_page: time per
// 4 KiB page written). On a
// machine with nested paging Populated and PopulatedAndRead write alike; where
// the hypervisor shadows the guest's page tables, Populated still traps on
// each page's first access.
// BM_FirstReadOfWrittenPages: the same for a reader (a subscriber, the
// persister, bridge out): the object is written through one mapping, then
// mapped again (this process's second mapping stands for another process's
// first) and read through it, prepared Lazy, Populated (MADV_POPULATE_READ)
// or PopulatedAndRead; Warm is a read through the first mapping.
//   build/first_touch_bench
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>

namespace {

constexpr std::size_t kBytes = 16u << 20;
constexpr std::size_t kPage = 4096;
constexpr std::size_t kRecord = 1400;

enum Prepare { kLazy, kPopulated, kPopulatedAndRead, kWarm };

// A fresh shared mapping of kBytes (its name unlinked at once), or null;
// with `second`, the same object mapped once more (read-only) into *second.
char* MapFresh(char** second = nullptr) {
  const std::string name = "/evbus-first-touch-" + std::to_string(::getpid());
  const int fd = ::shm_open(name.c_str(), O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return nullptr;
  ::shm_unlink(name.c_str());
  void* p = ::ftruncate(fd, kBytes) == 0
                ? ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                : MAP_FAILED;
  if (second != nullptr && p != MAP_FAILED) {
    void* q = ::mmap(nullptr, kBytes, PROT_READ, MAP_SHARED, fd, 0);
    *second = q == MAP_FAILED ? nullptr : static_cast<char*>(q);
  }
  ::close(fd);
  return p == MAP_FAILED ? nullptr : static_cast<char*>(p);
}

// Reads one byte of each page of a mapping of kBytes; returns their sum.
unsigned ReadOneBytePerPage(const char* p) {
  unsigned sum = 0;
  for (std::size_t i = 0; i < kBytes; i += kPage)
    sum += reinterpret_cast<const volatile char*>(p)[i];
  return sum;
}

bool PrepareMapping(char* p, Prepare how) {
  if (how == kWarm) {
    for (std::size_t i = 0; i < kBytes; i += kPage) p[i] = 0;
    return true;
  }
  if (how == kLazy) return true;
  if (::madvise(p, kBytes, MADV_POPULATE_WRITE) != 0) return false;
  if (how == kPopulatedAndRead) benchmark::DoNotOptimize(ReadOneBytePerPage(p));
  return true;
}

// Prepares the read-only second mapping `q` of pages that exist.
bool PrepareReading(const char* q, Prepare how) {
  if (how == kLazy || how == kWarm) return true;
  if (::madvise(const_cast<char*>(q), kBytes, MADV_POPULATE_READ) != 0) return false;
  if (how == kPopulatedAndRead) benchmark::DoNotOptimize(ReadOneBytePerPage(q));
  return true;
}

using Clock = std::chrono::steady_clock;

// Ends an iteration prepared over [t0, t1) whose pages were touched from t1
// to now: the touch is the iteration's manual time; the preparation adds to
// *prepare_ns.
void EndIteration(benchmark::State& state, Clock::time_point t0, Clock::time_point t1,
                  double* prepare_ns) {
  const auto t2 = Clock::now();
  state.SetIterationTime(std::chrono::duration<double>(t2 - t1).count());
  *prepare_ns += std::chrono::duration<double, std::nano>(t1 - t0).count();
}

// The counters prepare_ns_per_page and `per_page` (time per page touched).
void SetPageCounters(benchmark::State& state, double prepare_ns, const char* per_page) {
  const double pages = static_cast<double>(state.iterations()) * (kBytes / kPage);
  state.counters["prepare_ns_per_page"] = prepare_ns / pages;
  state.counters[per_page] =
      benchmark::Counter(pages, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// Both benchmarks' runs: one per Prepare, timed manually, in milliseconds.
void EachPrepare(benchmark::internal::Benchmark* b) {
  b->ArgName("prepare")
      ->Arg(kLazy)
      ->Arg(kPopulated)
      ->Arg(kPopulatedAndRead)
      ->Arg(kWarm)
      ->UseManualTime()
      ->Unit(benchmark::kMillisecond);
}

void BM_FirstWrite(benchmark::State& state) {
  const auto how = static_cast<Prepare>(state.range(0));
  const std::string record(kRecord, 'r');
  double prepare_ns = 0;
  for (auto _ : state) {
    char* p = MapFresh();
    const auto t0 = Clock::now();
    if (p == nullptr || !PrepareMapping(p, how)) {
      state.SkipWithError("cannot map or populate a shm object (needs Linux 5.14 for populate)");
      break;
    }
    const auto t1 = Clock::now();
    for (std::size_t off = 0; off + kRecord <= kBytes; off += kRecord) {
      std::memcpy(p + off, record.data(), kRecord);
    }
    benchmark::ClobberMemory();
    EndIteration(state, t0, t1, &prepare_ns);
    ::munmap(p, kBytes);
  }
  SetPageCounters(state, prepare_ns, "write_per_page");
}
BENCHMARK(BM_FirstWrite)->Apply(EachPrepare);

void BM_FirstReadOfWrittenPages(benchmark::State& state) {
  const auto how = static_cast<Prepare>(state.range(0));
  std::string record(kRecord, 0);
  double prepare_ns = 0;
  for (auto _ : state) {
    char* second = nullptr;
    char* p = MapFresh(&second);
    if (p == nullptr || second == nullptr || !PrepareMapping(p, kWarm)) {
      state.SkipWithError("cannot map a shm object twice");
      break;
    }
    const char* q = how == kWarm ? p : second;
    const auto t0 = Clock::now();
    if (!PrepareReading(q, how)) {
      state.SkipWithError("cannot populate for reading (needs Linux 5.14)");
      break;
    }
    const auto t1 = Clock::now();
    for (std::size_t off = 0; off + kRecord <= kBytes; off += kRecord) {
      std::memcpy(record.data(), q + off, kRecord);
      benchmark::DoNotOptimize(record.data());
    }
    EndIteration(state, t0, t1, &prepare_ns);
    ::munmap(second, kBytes);
    ::munmap(p, kBytes);
  }
  SetPageCounters(state, prepare_ns, "read_per_page");
}
BENCHMARK(BM_FirstReadOfWrittenPages)->Apply(EachPrepare);

}  // namespace

BENCHMARK_MAIN();
