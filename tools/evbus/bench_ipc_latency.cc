// The latency half of `evbus bench ipc`: a ping-pong between this process
// (pinned to CPU A) and an echo child (CPU B). This process times each round
// trip; one way is half of it. One message is in flight at a time, echoed
// back at the same size.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>

#include "shm/producer.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tools/evbus/bench_ipc.h"
#include "tools/evbus/bench_ipc_procs.h"
#include "tools/evbus/bench_ipc_raw_ring.h"

namespace evbus::cli {
namespace {

constexpr std::int64_t kTripTimeoutNs = 2'000'000'000;
constexpr std::uint64_t kRingBytes = 256u << 10;

struct FloorShared {
  IpcControl control;
  alignas(64) std::atomic<std::uint64_t> line{0};  // odd: ping, even: pong
};

Status FloorLatency(const IpcConfig& config, std::vector<std::int64_t>* one_way) {
  SharedObject<FloorShared> shared;
  FloorShared* s = shared.get();
  if (s == nullptr) return Status::IOError("bench ipc: cannot map shared memory for the floor");
  const pid_t child = ForkPinned(config.cpu_b, [s] {
    s->control.ready.fetch_add(1, std::memory_order_release);
    std::uint64_t seen = 0;
    // SYNC POINT READ: bench_ipc.floor (the ping)
    while (SpinFor([&] { return s->line.load(std::memory_order_acquire) != seen; },
                   &s->control.stop, INT64_MAX)) {
      seen = s->line.load(std::memory_order_relaxed) + 1;
      // SYNC POINT WRITE: bench_ipc.floor (the pong)
      s->line.store(seen, std::memory_order_release);
    }
    return true;
  });
  std::uint64_t seq = 0;
  auto trip = [&] {
    seq += 2;
    s->line.store(seq - 1, std::memory_order_release);  // SYNC POINT WRITE: bench_ipc.floor
    const std::int64_t deadline = shm::MonotonicNanos() + kTripTimeoutNs;
    // SYNC POINT READ: bench_ipc.floor (the pong)
    return SpinFor([&] { return s->line.load(std::memory_order_acquire) == seq; }, nullptr,
                   deadline);
  };
  return DriveEcho(
      "floor", config, &s->control, child, trip, [] {}, one_way);
}

Status RawRingLatency(const IpcConfig& config, int payload, std::vector<std::int64_t>* one_way) {
  const std::uint64_t slots = kRingBytes / static_cast<std::uint64_t>(payload);
  const std::size_t ring_bytes = RawRing::BytesFor(slots, static_cast<std::size_t>(payload));
  SharedMemory memory(sizeof(IpcControl) + 2 * ring_bytes);
  if (memory.get() == nullptr) return Status::IOError("bench ipc: cannot map the raw rings");
  auto* control = new (memory.get()) IpcControl();
  char* rings = static_cast<char*>(memory.get()) + sizeof(IpcControl);
  const auto size = static_cast<std::size_t>(payload);
  const pid_t child = ForkPinned(config.cpu_b, [&] {
    RawRing ping(rings, slots, size), pong(rings + ring_bytes, slots, size);
    std::string buffer(size, 'e');
    control->ready.fetch_add(1, std::memory_order_release);
    while (SpinFor([&] { return ping.try_pop(buffer.data()); }, &control->stop, INT64_MAX)) {
      if (!SpinFor([&] { return pong.try_push(buffer.data()); }, &control->stop, INT64_MAX)) break;
    }
    return true;
  });
  RawRing ping(rings, slots, size), pong(rings + ring_bytes, slots, size);
  std::string message(size, 'p');
  auto trip = [&] {
    const std::int64_t deadline = shm::MonotonicNanos() + kTripTimeoutNs;
    return ping.try_push(message.data()) &&
           SpinFor([&] { return pong.try_pop(message.data()); }, nullptr, deadline);
  };
  return DriveEcho(
      "raw-ring", config, control, child, trip, [] {}, one_way);
}

bool WriteFull(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

bool ReadFull(int fd, char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, data, n);
    if (r <= 0) return false;
    data += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// pipe (two pipes) or uds (one socket pair): fds[0] is this side's read end,
// fds[1] its write end; fds[2], fds[3] the child's.
Status FdLatency(const std::string& peer, const IpcConfig& config, const int fds[4], int payload,
                 std::vector<std::int64_t>* one_way) {
  SharedObject<IpcControl> control;
  const auto size = static_cast<std::size_t>(payload);
  const pid_t child = control.get() == nullptr ? -1 : ForkPinned(config.cpu_b, [&] {
    ::close(fds[0]);
    if (fds[1] != fds[0]) ::close(fds[1]);
    std::string buffer(size, 'e');
    control.get()->ready.fetch_add(1, std::memory_order_release);
    while (ReadFull(fds[2], buffer.data(), size)) {
      if (!WriteFull(fds[3], buffer.data(), size)) return false;
    }
    return true;  // end of file: the parent is done
  });
  ::close(fds[2]);
  if (fds[3] != fds[2]) ::close(fds[3]);
  std::string message(size, 'p');
  auto trip = [&] {
    return WriteFull(fds[1], message.data(), size) && ReadFull(fds[0], message.data(), size);
  };
  auto release = [&] {
    ::close(fds[1]);
    if (fds[0] != fds[1]) ::close(fds[0]);
  };
  if (control.get() == nullptr) {
    release();
    return Status::IOError("bench ipc: cannot map shared memory for " + peer);
  }
  return DriveEcho(peer, config, control.get(), child, trip, release, one_way);
}

Status PipeLatency(const IpcConfig& config, int payload, std::vector<std::int64_t>* one_way) {
  int to_child[2], to_parent[2];
  if (::pipe(to_child) != 0) return Status::IOError("bench ipc: cannot create a pipe");
  if (::pipe(to_parent) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return Status::IOError("bench ipc: cannot create a pipe");
  }
  const int fds[4] = {to_parent[0], to_child[1], to_child[0], to_parent[1]};
  return FdLatency("pipe", config, fds, payload, one_way);
}

Status UdsLatency(const IpcConfig& config, int payload, std::vector<std::int64_t>* one_way) {
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
    return Status::IOError("bench ipc: cannot create a Unix socket pair");
  }
  const int fds[4] = {pair[0], pair[0], pair[1], pair[1]};
  return FdLatency("uds", config, fds, payload, one_way);
}

}  // namespace

Status IpcLatency(const IpcConfig& config, std::vector<IpcLatencySamples>* samples) {
  for (int payload : kIpcPayloads) {
    for (const char* peer : {"evbus", "evbus-blocking", "floor", "raw-ring", "pipe", "uds"}) {
      const std::string name = peer;
      if (name == "floor" && payload != 64) continue;  // one cache line
      std::vector<std::int64_t> one_way;
      Status st = name == "evbus"            ? EvbusLatency(config, payload, false, &one_way)
                  : name == "evbus-blocking" ? EvbusLatency(config, payload, true, &one_way)
                  : name == "floor"          ? FloorLatency(config, &one_way)
                  : name == "raw-ring"       ? RawRingLatency(config, payload, &one_way)
                  : name == "pipe"           ? PipeLatency(config, payload, &one_way)
                                             : UdsLatency(config, payload, &one_way);
      EVBUS_RETURN_IF_ERROR(st);
      auto same = [&](const IpcLatencySamples& s) {
        return s.peer == name && s.payload == payload;
      };
      auto pooled = std::find_if(samples->begin(), samples->end(), same);
      if (pooled == samples->end()) {
        samples->push_back({name, payload, std::move(one_way)});
      } else {
        pooled->one_way_ns.insert(pooled->one_way_ns.end(), one_way.begin(), one_way.end());
      }
    }
  }
  return Status::OK();
}

}  // namespace evbus::cli
