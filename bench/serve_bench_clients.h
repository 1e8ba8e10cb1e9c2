// serve_bench's side of the wire: `evbus serve` started beside the bench,
// SSE clients of it, and one reader thread that drains them all and counts
// what each was told (events, ids skipped by gap events, lost ids).
#ifndef EVBUS_BENCH_SERVE_BENCH_CLIENTS_H_
#define EVBUS_BENCH_SERVE_BENCH_CLIENTS_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
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

// One SSE client: counts the event frames with ids from `from` on, lost
// frames, and the ids gap frames skip.
struct SseCounter {
  int fd = -1;
  std::string pending;
  std::int64_t events = 0, missed = 0, lost = 0, last_id = -1;
  Clock::time_point done_at{};

  void Consume(const char* data, std::size_t n, std::int64_t from) {
    pending.append(data, n);
    std::size_t start = 0, end;
    while ((end = pending.find("\n\n", start)) != std::string::npos) {
      if (pending.compare(start, 4, "id: ") == 0) {
        last_id = std::strtoll(pending.c_str() + start + 4, nullptr, 10);
        const bool is_lost = pending.compare(pending.find('\n', start), 13, "\nevent: lost\n") == 0;
        if (is_lost) ++lost;
        if (!is_lost && last_id >= from) ++events;
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
  // Events with ids from here on are counted (the timed window's first id).
  std::atomic<std::int64_t> timed_from{std::numeric_limits<std::int64_t>::max()};
  // The reader stops once every client has been told of this id.
  std::atomic<std::int64_t> last{std::numeric_limits<std::int64_t>::max()};
};

// Reads every client until each has been told of id control->last (or 60 s pass).
inline void ReadClients(std::vector<SseCounter>* clients, RunControl* control) {
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
      const bool first_frame = c.last_id < 0;
      if (n > 0) c.Consume(buf.data(), static_cast<std::size_t>(n), control->timed_from.load());
      if (first_frame && c.last_id >= 0) control->streaming.fetch_add(1);
      if (c.last_id >= control->last.load() && c.done_at == Clock::time_point{}) {
        c.done_at = Clock::now();
        fds[i].fd = -1;  // poll ignores it from now on
        ++done;
      }
    }
  }
}

}  // namespace evbus::bench

#endif  // EVBUS_BENCH_SERVE_BENCH_CLIENTS_H_
