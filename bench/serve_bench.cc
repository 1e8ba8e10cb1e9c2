// evbus serve's live fan-out beside its same-run baseline:
//
//   build/serve_bench [--seconds S] [--clients 1,10,100] [--bytes B]
//                     [--producer-cpu C] [--server-cpu C] [--rounds N]
//
// A producer (an EventStream in this process) publishes events of about B
// bytes as fast as it can for S seconds (default 1) with 1, 10 and 100 SSE
// clients attached to a real `evbus serve` (the executable beside this one)
// over loopback, each such run between two runs with no client (its
// baselines; their mean is what it is compared with, so that the machine's
// drift weighs on both alike). With clients the clock starts only once every
// client has received an event (all connected and streaming), so that
// connecting is not timed. Reported per run: the producer's events/s and
// its ratio to the baseline (target: >= 0.90 with 100 clients), the share of
// a CPU the producer thread got, its ratio per second of its own CPU time
// (what the server costs it, apart from other programs taking its core), the
// events/s each client received, and the ids gap events reported as not
// delivered. --producer-cpu pins this process (the producer) to one core and
// --server-cpu the server and this program's client reader to another, so
// that the server's effect on the producer is measured rather than programs
// sharing a core. The server and the client reader run in sessions of their
// own (bench/serve_bench_clients.h says why); both go back to nice 0 when
// the bench runs under `nice` (which, with autogroup, weighs the producer
// only against its own session's threads, not against other programs).
// The sequence of runs is repeated --rounds times (default 3), and the last
// lines give each client count's median ratio over the rounds: a shared
// machine's bursts move single runs by tens of percent. Quote only the ratios.
// Ignores --benchmark_* flags (`make bench` passes them to every bench).
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bench/serve_bench_clients.h"
#include "shm/segment.h"
#include "stream/event_stream.h"

namespace evbus::bench {
namespace {

struct Args {
  int producer_cpu = -1;  // -1: wherever the scheduler likes
  int server_cpu = -1;    // the server and the clients' reader
  double seconds = 1.0;   // the timed window of each run
  int rounds = 3;         // repeats of the whole sequence of runs
  std::size_t bytes = 300;
  std::vector<int> clients = {1, 10, 100};
};

double ThreadCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Run {
  double producer_rate = 0;  // events/s of wall time in the timed window
  double producer_cpu = 0;   // the producer thread's CPU seconds per wall second there
  double client_rate = 0;    // events/s received in the window, mean per client
  std::int64_t missed = 0, lost = 0;
  int complete = 0;
};

// Publishes until `until` returns true (checked every 64 events); how many.
template <typename Until>
std::int64_t PublishUntil(EventStream* stream, const std::string& padding, Until until) {
  const std::string json = R"({"observation":"null","content":")" + padding + R"(","extras":{}})";
  std::int64_t n = 0;
  while (n % 64 != 0 || !until()) {
    auto e = ParseEvent(json);
    if (!e.ok() || !stream->AddEvent(&e.value(), Source::kAgent).ok()) break;
    ++n;
  }
  return n;
}

// Publishes until every client streams (10 s at most), then for args.seconds:
// the timed window, whose rates go to *run.
void TimedPublish(EventStream* stream, int clients, RunControl* control, const Args& args,
                  Clock::time_point* start, Run* run) {
  const std::string padding(args.bytes, 'x');
  const Clock::time_point ready_by = Clock::now() + std::chrono::seconds(10);
  PublishUntil(stream, padding,
               [&] { return control->streaming.load() >= clients || Clock::now() > ready_by; });
  control->timed_from.store(stream->GetLatestEventId() + 1);
  *start = Clock::now();
  const double cpu_start = ThreadCpuSeconds();
  const auto window = std::chrono::duration<double>(args.seconds);
  const std::int64_t n =
      PublishUntil(stream, padding, [&] { return Clock::now() - *start >= window; });
  const double seconds = std::chrono::duration<double>(Clock::now() - *start).count();
  run->producer_cpu = (ThreadCpuSeconds() - cpu_start) / seconds;
  run->producer_rate = static_cast<double>(n) / seconds;
  control->last.store(stream->GetLatestEventId());
}

Run OneRun(EventStream* stream, std::uint16_t port, const std::string& sid, int clients,
           const Args& args) {
  std::vector<int> fds;
  for (int i = 0; i < clients; ++i) fds.push_back(OpenLive(port, sid));
  const SharedRun shared = MapSharedRun(fds.size());
  const pid_t reader = clients > 0 ? StartReader(fds, shared, args.server_cpu) : 0;
  Run run;
  Clock::time_point start;
  TimedPublish(stream, clients, shared.control, args, &start, &run);
  int status = 0;
  if (reader > 0) ::waitpid(reader, &status, 0);
  const std::int64_t start_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(start.time_since_epoch()).count();
  for (int i = 0; i < clients; ++i) {
    const ClientTally& t = shared.tallies[i];
    run.complete += t.complete ? 1 : 0;
    run.client_rate +=
        static_cast<double>(t.events) * 1e9 / static_cast<double>(t.end_ns - start_ns) / clients;
    run.missed += t.missed;
    run.lost += t.lost;
    if (fds[i] >= 0) ::close(fds[i]);
  }
  ::munmap(shared.base, shared.bytes);
  return run;
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; ++i) {
    const char* flag = argv[i];
    if (std::strcmp(flag, "--seconds") == 0) {
      args.seconds = std::atof(argv[++i]);
    } else if (std::strcmp(flag, "--bytes") == 0) {
      args.bytes = std::strtoul(argv[++i], nullptr, 10);
    } else if (std::strcmp(flag, "--producer-cpu") == 0) {
      args.producer_cpu = std::atoi(argv[++i]);
    } else if (std::strcmp(flag, "--server-cpu") == 0) {
      args.server_cpu = std::atoi(argv[++i]);
    } else if (std::strcmp(flag, "--rounds") == 0) {
      args.rounds = std::max(1, std::atoi(argv[++i]));
    } else if (std::strcmp(flag, "--clients") == 0) {
      args.clients.clear();
      for (char* p = std::strtok(argv[++i], ","); p != nullptr; p = std::strtok(nullptr, ","))
        args.clients.push_back(std::atoi(p));
    }
  }
  return args;
}

// One line: the run with clients beside the mean of the baselines just
// before and just after it. "per CPU-s": events per second of the producer
// thread's own CPU time, which leaves out the time other programs of the
// machine take from its core (a shared machine) and keeps what the server
// costs it (shared cache lines, the memory bus).
// Returns the producer's ratio to its baseline.
double PrintRun(int clients, const Run& run, const Run& before, const Run& after) {
  const double base = (before.producer_rate + after.producer_rate) / 2;
  const double base_per_cpu =
      (before.producer_rate / before.producer_cpu + after.producer_rate / after.producer_cpu) / 2;
  std::printf("%8d %12.0f %12.0f %7.2f %6.2f %6.2f %12.2f %14.0f %6d/%-3d %9lld %5lld\n", clients,
              run.producer_rate, base, run.producer_rate / base, before.producer_cpu,
              run.producer_cpu, run.producer_rate / run.producer_cpu / base_per_cpu,
              run.client_rate, run.complete, clients, static_cast<long long>(run.missed),
              static_cast<long long>(run.lost));
  return run.producer_rate / base;
}

// Each client count's median producer ratio over the rounds.
void PrintMedians(const std::vector<int>& clients, std::vector<std::vector<double>> ratios) {
  std::printf("median producer ratio over %zu rounds:", ratios.empty() ? 0 : ratios[0].size());
  for (std::size_t i = 0; i < clients.size(); ++i) {
    std::vector<double>& r = ratios[i];
    std::sort(r.begin(), r.end());
    const double median =
        r.size() % 2 == 1 ? r[r.size() / 2] : (r[r.size() / 2 - 1] + r[r.size() / 2]) / 2;
    std::printf("  %d clients %.2f", clients[i], median);
  }
  std::printf("\n");
}

int Main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  // Before the stream exists, so that any thread it starts stays there too;
  // the server's child pins itself (and so every thread it makes) apart.
  PinTo(args.producer_cpu);
  const std::string sid = "serve-bench-" + std::to_string(::getpid());
  EventStreamOptions options;
  options.capacity = 256u << 20;
  options.index_slots = 1u << 20;
  auto stream = EventStream::Open(sid, options);
  if (!stream.ok()) {
    std::fprintf(stderr, "serve_bench: %s\n", stream.status().ToString().c_str());
    return 1;
  }
  pid_t server = 0;
  const std::uint16_t port = StartServer(&server, args.server_cpu);
  if (port == 0) {
    std::fprintf(stderr, "serve_bench: evbus serve (beside this program) did not start\n");
    return 1;
  }
  std::printf("%.1f s per run, events of %zu B; producer: an EventStream in this process\n",
              args.seconds, args.bytes);
  std::printf("%8s %12s %12s %7s %6s %6s %12s %14s %10s %9s %5s\n", "clients", "producer/s",
              "baseline/s", "ratio", "cpu0", "cpu", "ratio/CPU-s", "per-client/s", "complete",
              "in gaps", "lost");
  (void)OneRun(stream->get(), port, sid, 0, args);  // warm-up: the ring's pages, the server
  Run before = OneRun(stream->get(), port, sid, 0, args);
  std::vector<std::vector<double>> ratios(args.clients.size());
  for (int round = 0; round < args.rounds; ++round) {
    for (std::size_t i = 0; i < args.clients.size(); ++i) {
      const Run run = OneRun(stream->get(), port, sid, args.clients[i], args);
      const Run after = OneRun(stream->get(), port, sid, 0, args);
      ratios[i].push_back(PrintRun(args.clients[i], run, before, after));
      before = after;
    }
  }
  PrintMedians(args.clients, std::move(ratios));
  ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(server, &status, 0);
  (void)(*stream)->Close();
  (void)shm::Segment::Remove(sid, "");
  return 0;
}

}  // namespace
}  // namespace evbus::bench

int main(int argc, char** argv) { return evbus::bench::Main(argc, argv); }
