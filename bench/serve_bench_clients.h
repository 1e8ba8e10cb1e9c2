// serve_bench's side of the wire: `evbus serve` started beside the bench,
// SSE clients of it, and one reader process that drains them all and counts
// what each was told (events, ids skipped by gap events, lost ids).
//
// The server and the reader each run in a session of their own (setsid), as
// a server started apart from the producers would: the kernel's scheduler
// (autogroup) weighs a session's threads together, so a server with a
// hundred busy threads in the producer's session would leave the producer
// about a hundredth of its session's share of its own core whenever other
// programs want that core too (docs/benchmarks.md).
#ifndef EVBUS_BENCH_SERVE_BENCH_CLIENTS_H_
#define EVBUS_BENCH_SERVE_BENCH_CLIENTS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <string>
#include <vector>

namespace evbus::bench {

using Clock = std::chrono::steady_clock;

// Pins the calling thread (or, in a child before exec, the process, and so
// every thread it makes later) to `cpu`; -1 leaves it to the scheduler.
inline void PinTo(int cpu) {
  if (cpu < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  (void)::sched_setaffinity(0, sizeof set, &set);
}

// Puts the calling thread back at nice 0, wherever the producer runs (a
// producer under `nice -n -10` keeps its core from the machine's other
// programs; the server and the clients stay ordinary programs).
inline void OrdinaryPriority() { (void)::setpriority(PRIO_PROCESS, 0, 0); }

// `evbus serve --listen 127.0.0.1:0` from beside this program, pinned to
// `cpu`; its port (from its first line), 0 when it did not start.
inline std::uint16_t StartServer(pid_t* pid, int cpu) {
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
    OrdinaryPriority();
    (void)::setsid();
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
inline int OpenLive(std::uint16_t port, const std::string& sid) {
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

// One SSE client: counts the event frames that arrive while `counting`
// (the timed window and after), lost frames, and the ids gap frames skip.
struct SseCounter {
  int fd = -1;
  std::string pending;
  std::int64_t events = 0, missed = 0, lost = 0, last_id = -1;
  Clock::time_point done_at{};

  void Consume(const char* data, std::size_t n, bool counting) {
    pending.append(data, n);
    std::size_t start = 0, end;
    while ((end = pending.find("\n\n", start)) != std::string::npos) {
      if (pending.compare(start, 4, "id: ") == 0) {
        last_id = std::strtoll(pending.c_str() + start + 4, nullptr, 10);
        const bool is_lost = pending.compare(pending.find('\n', start), 13, "\nevent: lost\n") == 0;
        if (is_lost) ++lost;
        if (!is_lost && counting) ++events;
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

// What the producer and the client reader share during one run.
struct RunControl {
  std::atomic<int> streaming{0};  // clients that have received a frame
  // The timed window's first id; set when it starts, and from then on the
  // reader counts the event frames that arrive.
  std::atomic<std::int64_t> timed_from{std::numeric_limits<std::int64_t>::max()};
  // The reader stops once every client has been told of this id.
  std::atomic<std::int64_t> last{std::numeric_limits<std::int64_t>::max()};
};

// Reads every client until each has been told of id control->last, or 10 s
// after that id is set (a server starved of CPU may be far behind), or 60 s.
inline void ReadClients(std::vector<SseCounter>* clients, RunControl* control) {
  std::vector<pollfd> fds;
  for (SseCounter& c : *clients) fds.push_back(pollfd{c.fd, POLLIN, 0});
  Clock::time_point deadline = Clock::now() + std::chrono::seconds(60);
  bool last_known = false;
  std::vector<char> buf(1 << 16);
  std::size_t done = 0;
  while (done < clients->size() && Clock::now() < deadline) {
    if (!last_known && control->last.load() != std::numeric_limits<std::int64_t>::max()) {
      last_known = true;
      deadline = std::min(deadline, Clock::now() + std::chrono::seconds(10));
    }
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      const ssize_t n = ::recv(fds[i].fd, buf.data(), buf.size(), MSG_DONTWAIT);
      SseCounter& c = (*clients)[i];
      const bool first_frame = c.last_id < 0;
      const bool counting = control->timed_from.load() != std::numeric_limits<std::int64_t>::max();
      if (n > 0) c.Consume(buf.data(), static_cast<std::size_t>(n), counting);
      if (first_frame && c.last_id >= 0) control->streaming.fetch_add(1);
      if (c.last_id >= control->last.load() && c.done_at == Clock::time_point{}) {
        c.done_at = Clock::now();
        fds[i].fd = -1;  // poll ignores it from now on
        ++done;
      }
    }
  }
}

// What one client was told, handed back by the reader process.
struct ClientTally {
  std::int64_t events = 0, missed = 0, lost = 0;
  std::int64_t end_ns = 0;  // steady clock: when told of control.last, else when the reader gave up
  bool complete = false;    // told of every id up to control.last
};

// The producer's and the reader process's shared memory for one run.
struct SharedRun {
  void* base = nullptr;
  std::size_t bytes = 0;
  RunControl* control = nullptr;
  ClientTally* tallies = nullptr;  // one per client
};

inline SharedRun MapSharedRun(std::size_t clients) {
  SharedRun run;
  run.bytes = sizeof(RunControl) + clients * sizeof(ClientTally);
  run.base = ::mmap(nullptr, run.bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (run.base == MAP_FAILED) std::abort();  // a bench cannot go on without it
  run.control = new (run.base) RunControl;
  run.tallies = new (static_cast<char*>(run.base) + sizeof(RunControl)) ClientTally[clients];
  return run;
}

// Forks the reader of `fds`: pinned to `cpu`, nice 0, a session of its own.
inline pid_t StartReader(const std::vector<int>& fds, const SharedRun& shared, int cpu) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  PinTo(cpu);
  OrdinaryPriority();
  (void)::setsid();
  std::vector<SseCounter> counters(fds.size());
  for (std::size_t i = 0; i < fds.size(); ++i) counters[i].fd = fds[i];
  ReadClients(&counters, shared.control);
  for (std::size_t i = 0; i < fds.size(); ++i) {
    const SseCounter& c = counters[i];
    const bool complete = c.done_at != Clock::time_point{};
    const Clock::time_point end = complete ? c.done_at : Clock::now();
    const std::int64_t end_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(end.time_since_epoch()).count();
    shared.tallies[i] = ClientTally{c.events, c.missed, c.lost, end_ns, complete};
  }
  ::_exit(0);
}

}  // namespace evbus::bench

#endif  // EVBUS_BENCH_SERVE_BENCH_CLIENTS_H_
