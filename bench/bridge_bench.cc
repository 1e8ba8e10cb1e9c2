// Bridge out beside a bare libnats JetStream async publisher of the same
// 512 B payloads, in the same run, against a nats-server this program starts
// on a loopback port (file storage in a temporary directory); then the
// end-to-end latency A -> JetStream -> B (bridge out and bridge in running,
// events published at a fixed pace). See docs/benchmarks.md.
//   bridge_bench [--events N] [--rounds R] [--server PATH] [--only bare|out|latency]
//                [--bare-headers]
//   --rounds: R rate rounds (a fresh ring each, the bare publisher then bridge
//   out), each printed, then the medians (of the rates, CPU and per-round
//   ratios); --only runs one phase, e.g. under perf record. --bare-headers:
//   the bare publisher sends bridge out's messages (its seven headers, built
//   by MakeEventMessage from the payload in memory), so that the ratio shows
//   what bridge out costs beyond its message format: the ring read, the
//   window, its loop.
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"
#include "bridge/bridge_in.h"
#include "bridge/bridge_out.h"
#include "bridge/event_message.h"
#include "bridge/local_segment.h"
#include "shm/producer.h"
#include "shm/subscriber.h"

namespace evbus::bridge {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t WallNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// CPU time of this process (all its threads: the publisher's, nats.c's).
double ProcessCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// A publishing phase: events per second, and client CPU microseconds per
// event (less sensitive than the rate to other load on the machine).
struct Rate {
  double per_s = 0;
  double cpu_us = 0;
};

std::string Payload(std::uint64_t i) {
  std::string body = "{\"action\":\"run\",\"args\":{\"command\":\"echo " + std::to_string(i) + " ";
  body.append(512 - body.size() - 4, 'x');
  return body + "\"}}";
}

pid_t StartServer(const std::string& path, int port, const std::string& dir) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string p = std::to_string(port), sd = dir + "/js", log = dir + "/server.log";
    std::freopen(log.c_str(), "a", stderr);  // a restart's log follows the last
    ::execl(path.c_str(), path.c_str(), "-js", "-a", "127.0.0.1", "-p", p.c_str(), "-sd",
            sd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

void Fill(const std::string& stream, std::uint64_t n, bool paced) {
  auto segment = shm::Segment::Open(stream, "");
  auto producer = shm::Producer::Attach(segment->get(), "bench");
  for (std::uint64_t i = 0; i < n; ++i) {
    shm::RecordMeta meta;
    meta.timestamp_ns = WallNs();
    std::uint64_t id = 0;
    (void)(*producer)->Publish(meta, Payload(i), -1, &id);
    if (paced) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// Publishes event i with Nats-Msg-Id `id`: its payload alone, or, with
// `headers`, in bridge out's message format (MakeEventMessage's headers,
// published with js_PublishMsgAsync; no ring is read). False if the message
// cannot be built.
bool PublishBare(jsCtx* js, std::uint64_t i, const std::string& id, bool headers,
                 jsPubOptions* po) {
  const std::string body = Payload(i);
  if (!headers) {
    po->MsgId = id.c_str();
    js_PublishAsync(js, "bench.bare", body.data(), static_cast<int>(body.size()), po);
    return true;
  }
  shm::Record rec;
  rec.id = i;
  rec.meta.timestamp_ns = WallNs();
  rec.body = body;
  auto msg = MakeEventMessage("bench.bare", i, &rec, 0, id);
  if (!msg.ok()) return false;
  natsMsg* m = *msg;
  js_PublishMsgAsync(js, &m, nullptr);
  natsMsg_Destroy(m);  // no-op once the library took it
  return true;
}

// The bare publisher's rate (with `headers`, sending bridge out's messages).
// `id_prefix` is new each round: the server would drop repeated ids as
// duplicates, which costs it less than storing them.
Rate BareRate(const NatsConfig& nats, std::uint64_t n, const std::string& id_prefix, bool headers) {
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.PublishAsync.MaxPending = 256;
  auto link = NatsLink::Connect(nats, &jo);
  if (!link.ok()) return {};
  jsPubOptions po;
  jsPubOptions_Init(&po);
  const auto start = Clock::now();
  const double cpu = ProcessCpuSeconds();
  for (std::uint64_t i = 0; i < n; ++i) {
    if (!PublishBare((*link)->js(), i, id_prefix + std::to_string(i), headers, &po)) return {};
  }
  jsPubOptions done;
  jsPubOptions_Init(&done);
  done.MaxWait = 60000;
  js_PublishAsyncComplete((*link)->js(), &done);
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  return {static_cast<double>(n) / secs,
          (ProcessCpuSeconds() - cpu) * 1e6 / static_cast<double>(n)};
}

BridgeOutOptions OutOptions(const NatsConfig& nats, const std::string& stream,
                            std::atomic<bool>* stop) {
  BridgeOutOptions o;
  o.nats = nats;
  o.stream.name = "BENCH";
  o.stream.subject_prefix = "bench";
  o.session_id = stream;
  o.stop = [stop] { return stop->load(); };
  o.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  return o;
}

Rate BridgeRate(const NatsConfig& nats, const std::string& stream, std::uint64_t n) {
  std::atomic<bool> stop{false};
  auto out = BridgeOut::Start(OutOptions(nats, stream, &stop));
  if (!out.ok()) {
    std::fprintf(stderr, "bridge out: %s\n", out.status().message().c_str());
    return {};
  }
  const auto start = Clock::now();  // as for the bare publisher: after connecting
  const double cpu = ProcessCpuSeconds();
  std::thread runner([&] { (void)(*out)->Run(); });
  // Polled once a millisecond: this thread's CPU counts as bridge out's (the
  // bare publisher has no such thread), so it wakes rarely.
  while ((*out)->acknowledged_id() + 1 < static_cast<std::int64_t>(n)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu_us = (ProcessCpuSeconds() - cpu) * 1e6 / static_cast<double>(n);
  stop = true;
  runner.join();
  return {static_cast<double>(n) / secs, cpu_us};
}

// Publishes n paced events into `a` while bridge out and bridge in run;
// returns the A -> B latencies (ns), read by a subscriber of B.
std::vector<std::int64_t> Latencies(const NatsConfig& nats, const std::string& a,
                                    const std::string& b, std::uint64_t n) {
  std::atomic<bool> stop{false};
  auto out = BridgeOut::Start(OutOptions(nats, a, &stop));
  BridgeInOptions io;
  io.nats = nats;
  io.stream.name = "BENCH";
  io.stream.subject_prefix = "bench";
  io.session_id = b;
  io.origin_session_id = a;
  io.stop = [&stop] { return stop.load(); };
  io.log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto in = BridgeIn::Start(io);
  if (!out.ok() || !in.ok()) {
    std::fprintf(stderr, "latency: %s\n",
                 (!out.ok() ? out.status() : in.status()).message().c_str());
    return {};
  }
  auto report = [](const char* what, const Status& st) {
    if (!st.ok()) std::fprintf(stderr, "latency: %s: %s\n", what, st.message().c_str());
  };
  std::thread out_runner([&] { report("bridge out", (*out)->Run()); });
  std::thread in_runner([&] { report("bridge in", (*in)->Run()); });
  std::thread producer([&] { Fill(a, n, true); });
  auto segment = shm::Segment::Open(b, "");
  shm::SubscriberOptions so;
  so.name = "bench-latency";
  auto sub = shm::Subscriber::Attach(segment->get(), so);
  std::vector<std::int64_t> lat;
  shm::Record r;
  while (lat.size() < n) {
    const shm::ReadStatus st = (*sub)->Read(&r, 5'000'000'000);
    if (st != shm::ReadStatus::kRecord) {
      std::fprintf(stderr, "latency: B read stopped at id %llu (status %d)\n",
                   static_cast<unsigned long long>((*sub)->next_id()), static_cast<int>(st));
      break;
    }
    lat.push_back(WallNs() - r.meta.timestamp_ns);
  }
  producer.join();
  stop = true;
  out_runner.join();
  in_runner.join();
  return lat;
}

// A loopback port nothing listens on now (bound to port 0, then released;
// -1 if a socket call failed).
int FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  const bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
  if (fd >= 0) ::close(fd);
  return ok ? ntohs(addr.sin_port) : -1;
}

enum class Ready { kYes, kTimeout, kExited };

// Waits (at most 10 s) until the server `pid` answers and stream BENCH
// exists; kExited as soon as the server has exited (reaped).
Ready WaitReady(const NatsConfig& nats, pid_t pid) {
  StreamSpec spec;
  spec.name = "BENCH";
  spec.subject_prefix = "bench";
  spec.create = true;
  for (int tries = 0; tries < 100; ++tries) {
    auto link = NatsLink::Connect(nats, nullptr);
    const bool answered = link.ok() && EnsureStream(link->get(), spec, "bench.bare").ok();
    // Checked after the answer too: a server that lost its port to another
    // server exits, and the answer may have come from that one.
    if (::waitpid(pid, nullptr, WNOHANG) == pid) return Ready::kExited;
    if (answered) return Ready::kYes;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // poll interval
  }
  return Ready::kTimeout;
}

// Starts nats-server on a free loopback port and waits until it answers. A
// server that exits meanwhile (another process took the port between the
// probe and its bind) is started again on a new port, 3 starts at most.
// *pid: the server still running, or -1.
bool StartReadyServer(const std::string& path, const std::string& dir, pid_t* pid,
                      NatsConfig* nats) {
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const int port = FreeLoopbackPort();
    *pid = StartServer(path, port, dir);
    nats->url = "nats://127.0.0.1:" + std::to_string(port);
    const Ready ready = *pid > 0 ? WaitReady(*nats, *pid) : Ready::kExited;
    if (ready == Ready::kYes) return true;
    if (ready == Ready::kTimeout) return false;
    std::fprintf(stderr, "nats-server on port %d exited (start %d of 3); log: %s/server.log\n",
                 port, attempt, dir.c_str());
    *pid = -1;
  }
  return false;
}

struct Round {
  Rate bare, out;
};

// One rate round on a fresh ring `a` of n events: the bare publisher, then
// bridge out (each as `runs` says).
Round RateRound(const NatsConfig& nats, const std::string& a, int round, std::uint64_t n, bool bare,
                bool out, bool bare_headers) {
  (void)shm::Segment::Remove(a, "");
  (void)shm::Segment::Create(a, "", shm::SegmentOptions{});
  Fill(a, n, false);
  Round r;
  const std::string id_prefix = "bare" + std::to_string(round) + ":";
  if (bare) r.bare = BareRate(nats, n, id_prefix, bare_headers);
  if (out) r.out = BridgeRate(nats, a, n);
  (void)shm::Segment::Remove(a, "");
  return r;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[(v.size() - 1) / 2];
}

// Prints each round (when more than one) and returns the medians; *ratio:
// the median of the rounds' bridge out / bare rate ratios.
Round Medians(const std::vector<Round>& rounds, double* ratio) {
  std::vector<double> bare_rate, bare_cpu, out_rate, out_cpu, ratios;
  for (std::size_t i = 0; i < rounds.size(); ++i) {
    const Round& r = rounds[i];
    const double q = r.bare.per_s > 0 ? r.out.per_s / r.bare.per_s : 0.0;
    if (rounds.size() > 1) {
      std::printf(
          "round %zu: bare %7.0f /s %5.2f us/event  bridge out %7.0f /s %5.2f us/event  %3.0f%%\n",
          i + 1, r.bare.per_s, r.bare.cpu_us, r.out.per_s, r.out.cpu_us, 100.0 * q);
    }
    bare_rate.push_back(r.bare.per_s);
    bare_cpu.push_back(r.bare.cpu_us);
    out_rate.push_back(r.out.per_s);
    out_cpu.push_back(r.out.cpu_us);
    ratios.push_back(q);
  }
  *ratio = Median(ratios);
  return {{Median(bare_rate), Median(bare_cpu)}, {Median(out_rate), Median(out_cpu)}};
}

void Print(std::uint64_t n, const Rate& bare, const Rate& bridged, double ratio,
           std::vector<std::int64_t>* latencies) {
  std::vector<std::int64_t>& lat = *latencies;
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double q) {
    return lat.empty()
               ? 0.0
               : static_cast<double>(
                     lat[static_cast<std::size_t>(q * static_cast<double>(lat.size() - 1))]) /
                     1e3;
  };
  std::printf("bridge_bench: %llu events of 512 B, nats-server single node, file storage\n",
              static_cast<unsigned long long>(n));
  std::printf("bare libnats async publisher : %10.0f events/s  client CPU %.2f us/event\n",
              bare.per_s, bare.cpu_us);
  std::printf(
      "evbus bridge out             : %10.0f events/s  client CPU %.2f us/event  "
      "(%.0f%% of bare's rate)\n",
      bridged.per_s, bridged.cpu_us, 100.0 * ratio);
  std::printf("A -> B latency (%zu events at 5k/s): p50 %.0f us  p99 %.0f us\n", lat.size(),
              pct(0.50), pct(0.99));
}

int Main(int argc, char** argv) {
  std::uint64_t n = 50000;
  std::string server = "/usr/sbin/nats-server", only;
  int rounds = 1;
  bool bare_headers = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--bare-headers") bare_headers = true;
    if (i + 1 == argc) break;
    if (std::string(argv[i]) == "--events") n = std::strtoull(argv[++i], nullptr, 10);
    if (std::string(argv[i]) == "--server") server = argv[++i];
    if (std::string(argv[i]) == "--only") only = argv[++i];
    if (std::string(argv[i]) == "--rounds") rounds = std::max(1, std::atoi(argv[++i]));
  }
  TempDir dir("evbus_bridge_bench");
  pid_t pid = -1;
  NatsConfig nats;
  const bool ready = StartReadyServer(server, dir.path(), &pid, &nats);
  auto runs = [&](const char* phase) { return ready && (only.empty() || only == phase); };
  const std::string a = "bridgebench" + std::to_string(::getpid());
  for (const std::string& s : {a + "L", a + "B"}) (void)shm::Segment::Remove(s, "");
  (void)shm::Segment::Create(a + "L", "", shm::SegmentOptions{});
  std::vector<Round> results;
  for (int r = 0; r < rounds && (runs("bare") || runs("out")); ++r) {
    results.push_back(RateRound(nats, a + "r" + std::to_string(r), r, n, runs("bare"), runs("out"),
                                bare_headers));
  }
  double ratio = 0;
  const Round median = Medians(results, &ratio);
  auto lat = runs("latency") ? Latencies(nats, a + "L", a + "B", std::min<std::uint64_t>(n, 10000))
                             : std::vector<std::int64_t>{};
  if (bare_headers) std::printf("(the bare publisher sends bridge out's headers)\n");
  Print(n, median.bare, median.out, ratio, &lat);
  for (const std::string& s : {a + "L", a + "B"}) (void)shm::Segment::Remove(s, "");
  if (pid > 0) {  // the server this program started, by its pid
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
  }
  return ready && (median.bare.per_s > 0 || !only.empty()) ? 0 : 1;
}

}  // namespace
}  // namespace evbus::bridge

int main(int argc, char** argv) { return evbus::bridge::Main(argc, argv); }
