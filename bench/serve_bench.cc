// evbus serve's live fan-out beside its same-run baseline:
//
//   build/serve_bench [--events N] [--clients 1,10,100] [--bytes B]
//                     [--producer-cpu C] [--server-cpu C]
//
// A producer (an EventStream in this process) publishes N events of about B
// bytes as fast as it can, first with no live client (the baseline), then
// with 1, 10 and 100 SSE clients attached to a real `evbus serve` (the
// executable beside this one) over loopback. Reported per run: the
// producer's events/s and its ratio to the baseline (target: >= 0.90 with
// 100 clients), and the events/s each client received (events delivered,
// counting ids a gap event reported as not delivered). A warm-up run comes
// first and the baseline is measured again last, to show the machine's drift.
// --producer-cpu / --server-cpu put the producer on one core and the server
// (and this program's client reader) on another, so that what is measured is
// the server's effect on the producer rather than two programs sharing a
// core. Pin it on a shared machine; quote only the ratios.
// Ignores --benchmark_* flags (`make bench` passes them to every bench).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "shm/segment.h"
#include "stream/event_stream.h"

namespace evbus {
namespace {

using Clock = std::chrono::steady_clock;

struct Args {
  int producer_cpu = -1;  // -1: wherever the scheduler likes
  int server_cpu = -1;    // the server and the clients' reader
  int events = 20000;
  std::size_t bytes = 300;
  std::vector<int> clients = {1, 10, 100};
};

// `evbus serve --listen 127.0.0.1:0` from beside this program; its port
// (from its first line), 0 when it did not start.
// Pins the calling thread (or, in a child before exec, the process) to `cpu`.
void PinTo(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)::sched_setaffinity(0, sizeof set, &set);
}

std::uint16_t StartServer(pid_t* pid, int cpu) {
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 0;
  std::string evbus(self, static_cast<std::size_t>(n));
  evbus = evbus.substr(0, evbus.rfind('/')) + "/evbus";
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return 0;
  *pid = ::fork();
  if (*pid == 0) {
    PinTo(cpu);
    ::dup2(fds[1], STDOUT_FILENO);
    ::execl(evbus.c_str(), evbus.c_str(), "serve", "--listen", "127.0.0.1:0", nullptr);
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string line;
  char c;
  while (line.find('\n') == std::string::npos && ::read(fds[0], &c, 1) == 1) line.push_back(c);
  ::close(fds[0]);
  const std::size_t colon = line.rfind(':');
  return colon == std::string::npos ? 0 : static_cast<std::uint16_t>(std::atoi(&line[colon + 1]));
}

// An SSE connection to /streams/<sid>/live, past its response head; -1 on failure.
int OpenLive(std::uint16_t port, const std::string& sid) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string req = "GET /streams/" + sid + "/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return -1;
  }
  std::string head;
  char c;
  while (head.find("\r\n\r\n") == std::string::npos && ::recv(fd, &c, 1, 0) == 1) head.push_back(c);
  if (head.rfind("HTTP/1.1 200", 0) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// One SSE client: counts event frames and the ids gap frames skip.
struct SseCounter {
  int fd = -1;
  std::string pending;
  std::int64_t events = 0, missed = 0, last_id = -1;
  Clock::time_point done_at{};

  void Consume(const char* data, std::size_t n) {
    pending.append(data, n);
    std::size_t start = 0, end;
    while ((end = pending.find("\n\n", start)) != std::string::npos) {
      if (pending.compare(start, 4, "id: ") == 0) {
        ++events;
        last_id = std::strtoll(pending.c_str() + start + 4, nullptr, 10);
      } else if (pending.compare(start, 10, "event: gap") == 0) {
        const std::size_t l = pending.find("\"last_id\":", start);
        const std::size_t f = pending.find("\"first_id\":", start);
        const std::int64_t first = std::strtoll(pending.c_str() + f + 11, nullptr, 10);
        last_id = std::strtoll(pending.c_str() + l + 10, nullptr, 10);
        missed += last_id - first + 1;
      }
      start = end + 2;
    }
    pending.erase(0, start);
  }
};

// Reads every client until each has seen id `last` (or 60 s pass).
void ReadClients(std::vector<SseCounter>* clients, std::int64_t last) {
  std::vector<pollfd> fds;
  for (SseCounter& c : *clients) fds.push_back(pollfd{c.fd, POLLIN, 0});
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
  std::vector<char> buf(1 << 16);
  std::size_t done = 0;
  while (done < clients->size() && Clock::now() < deadline) {
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      const ssize_t n = ::recv(fds[i].fd, buf.data(), buf.size(), MSG_DONTWAIT);
      SseCounter& c = (*clients)[i];
      if (n > 0) c.Consume(buf.data(), static_cast<std::size_t>(n));
      if (c.last_id >= last && c.done_at == Clock::time_point{}) {
        c.done_at = Clock::now();
        fds[i].fd = -1;  // poll ignores it from now on
        ++done;
      }
    }
  }
}

struct Run {
  double producer_rate = 0, client_rate = 0;  // events/s; client: mean per client
  std::int64_t missed = 0;
  int complete = 0;
};

Run OneRun(EventStream* stream, std::uint16_t port, const std::string& sid, int clients,
           const Args& args) {
  std::vector<SseCounter> counters(static_cast<std::size_t>(clients));
  for (SseCounter& c : counters) c.fd = OpenLive(port, sid);
  const std::int64_t first = stream->GetLatestEventId() + 1;
  const std::string padding(args.bytes, 'x');
  std::thread reader;
  if (clients > 0) {
    reader = std::thread([&] {
      PinTo(args.server_cpu);
      ReadClients(&counters, first + args.events - 1);
    });
  }
  const Clock::time_point start = Clock::now();
  for (int i = 0; i < args.events; ++i) {
    auto e = ParseEvent(R"({"observation":"null","content":")" + padding + R"(","extras":{}})");
    if (!e.ok() || !stream->AddEvent(&e.value(), Source::kAgent).ok()) break;
  }
  Run run;
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  run.producer_rate = args.events / seconds;
  if (reader.joinable()) reader.join();
  for (SseCounter& c : counters) {
    if (c.done_at != Clock::time_point{}) {
      ++run.complete;
      run.client_rate +=
          static_cast<double>(c.events) / std::chrono::duration<double>(c.done_at - start).count();
    }
    run.missed += c.missed;
    if (c.fd >= 0) ::close(c.fd);
  }
  if (run.complete > 0) run.client_rate /= run.complete;
  return run;
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--events") == 0)
      args.events = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--bytes") == 0)
      args.bytes = std::strtoul(argv[++i], nullptr, 10);
    else if (std::strcmp(argv[i], "--clients") == 0) {
      args.clients.clear();
      for (char* p = std::strtok(argv[++i], ","); p != nullptr; p = std::strtok(nullptr, ","))
        args.clients.push_back(std::atoi(p));
    }
  }
  return args;
}

int Main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
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
  PinTo(args.producer_cpu);
  if (port == 0) {
    std::fprintf(stderr, "serve_bench: evbus serve (beside this program) did not start\n");
    return 1;
  }
  std::printf("%d events of %zu B per run; producer: an EventStream in this process\n", args.events,
              args.bytes);
  std::printf("%8s %14s %9s %18s %9s %8s\n", "clients", "producer ev/s", "vs none",
              "per-client ev/s", "complete", "missed");
  (void)OneRun(stream->get(), port, sid, 0, args);  // warm-up: the ring's pages, the server
  const Run base = OneRun(stream->get(), port, sid, 0, args);
  std::printf("%8d %14.0f %9s %18s %9s %8s\n", 0, base.producer_rate, "1.00", "-", "-", "-");
  for (int clients : args.clients) {
    const Run run = OneRun(stream->get(), port, sid, clients, args);
    std::printf("%8d %14.0f %9.2f %18.0f %6d/%-3d %8lld\n", clients, run.producer_rate,
                run.producer_rate / base.producer_rate, run.client_rate, run.complete, clients,
                static_cast<long long>(run.missed));
  }
  const Run again = OneRun(stream->get(), port, sid, 0, args);  // the baseline's drift
  std::printf("%8d %14.0f %9.2f %18s %9s %8s   (baseline again)\n", 0, again.producer_rate,
              again.producer_rate / base.producer_rate, "-", "-", "-");
  ::kill(server, SIGTERM);
  int status = 0;
  ::waitpid(server, &status, 0);
  (void)(*stream)->Close();
  (void)shm::Segment::Remove(sid, "");
  return 0;
}

}  // namespace
}  // namespace evbus

int main(int argc, char** argv) { return evbus::Main(argc, argv); }
