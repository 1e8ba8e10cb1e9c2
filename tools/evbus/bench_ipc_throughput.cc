// The throughput half of `evbus bench ipc`: senders on CPU A, receivers on
// CPU B, each a child process; this process only starts, stops and counts.
// The rate is of messages delivered: timed messages over the time from the
// first timed send to the moment the last receiver had them all.
//   raw-ring  one slot per message, pushed and popped by copy
//   pipe/uds  one write(2) per message, read(2) until a whole message is in
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "tools/evbus/bench_ipc.h"
#include "tools/evbus/bench_ipc_procs.h"
#include "tools/evbus/bench_ipc_raw_ring.h"

namespace evbus::cli {
namespace {

Status FlowFailed(const std::string& peer, const std::string& what) {
  return Status::IOError("bench ipc: the " + peer + " throughput run failed: " + what +
                         "; run it again on a quieter machine or choose other --cpus");
}

// Senders' timed messages over first timed send -> last receiver's end.
double DeliveredRate(const IpcControl& c, int senders, int receivers, std::uint64_t total) {
  std::uint64_t warm = 0;
  std::int64_t start = INT64_MAX, end = 0;
  for (int i = 0; i < senders; ++i) {
    warm += c.warm[i];
    start = std::min(start, c.first_send_ns[i]);
  }
  for (int j = 0; j < receivers; ++j) end = std::max(end, c.last_receive_ns[j]);
  if (end <= start || total <= warm) return 0;
  return static_cast<double>(total - warm) * 1e9 / static_cast<double>(end - start);
}

Status RawRingThroughput(const IpcConfig& config, int payload, double* msgs_per_s) {
  const auto size = static_cast<std::size_t>(payload);
  const std::uint64_t slots = kIpcFlowRingBytes / size;
  SharedMemory memory(sizeof(IpcControl) + RawRing::BytesFor(slots, size));
  if (memory.get() == nullptr) return Status::IOError("bench ipc: cannot map the raw ring");
  auto* control = new (memory.get()) IpcControl();
  char* ring_memory = static_cast<char*>(memory.get()) + sizeof(IpcControl);
  const pid_t sender = ForkPinned(config.cpu_a, [&] {
    RawRing ring(ring_memory, slots, size);
    const std::string message(size, 's');
    return RunSender(control, 0, FlowBudget(config, payload),
                     [&] { return ring.try_push(message.data()) ? 1 : 0; });
  });
  const pid_t receiver = ForkPinned(config.cpu_b, [&] {
    RawRing ring(ring_memory, slots, size);
    std::string buffer(size, 'r');
    return RunReceiver(control, 0, [&] { return ring.try_pop(buffer.data()) ? 1 : 0; });
  });
  return DriveFlow("raw-ring", config, control, {sender, receiver}, 1, 1, msgs_per_s);
}

// pipe or uds: fds[0] the receiver's end, fds[1] the sender's.
Status FdThroughput(const std::string& peer, const IpcConfig& config, const int fds[2], int payload,
                    double* msgs_per_s) {
  SharedObject<IpcControl> shared;
  IpcControl* control = shared.get();
  const auto size = static_cast<std::size_t>(payload);
  SendBudget budget = FlowBudget(config, payload);
  budget.warm_messages = 0;  // no ring of ours to lap: the kernel's buffers are warm
  std::vector<pid_t> children;
  if (control != nullptr) {
    children.push_back(ForkPinned(config.cpu_a, [&] {
      ::close(fds[0]);
      const std::string message(size, 's');
      const bool ok = RunSender(control, 0, budget, [&] {
        return ::write(fds[1], message.data(), size) == static_cast<ssize_t>(size) ? 1 : -1;
      });
      ::close(fds[1]);  // the receiver reads end of file
      return ok;
    }));
    children.push_back(ForkPinned(config.cpu_b, [&] {
      ::close(fds[1]);
      std::string buffer(size, 'r');
      return RunReceiver(control, 0, [&] {
        std::size_t have = 0;
        while (have < size) {
          const ssize_t r = ::read(fds[0], buffer.data() + have, size - have);
          if (r <= 0) return r == 0 && have == 0 ? 2 : -1;
          have += static_cast<std::size_t>(r);
        }
        return 1;
      });
    }));
  }
  ::close(fds[0]);
  ::close(fds[1]);
  if (control == nullptr) return Status::IOError("bench ipc: cannot map shared memory");
  return DriveFlow(peer, config, control, children, 1, 1, msgs_per_s);
}

Status PipeThroughput(const IpcConfig& config, int payload, double* msgs_per_s) {
  int fds[2];
  if (::pipe(fds) != 0) return Status::IOError("bench ipc: cannot create a pipe");
  return FdThroughput("pipe", config, fds, payload, msgs_per_s);
}

Status UdsThroughput(const IpcConfig& config, int payload, double* msgs_per_s) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) {
    return Status::IOError("bench ipc: cannot create a Unix socket pair");
  }
  return FdThroughput("uds", config, fds, payload, msgs_per_s);
}

}  // namespace

Status DriveFlow(const std::string& peer, const IpcConfig& config, IpcControl* control,
                 const std::vector<pid_t>& children, int senders, int receivers,
                 double* msgs_per_s) {
  if (std::find(children.begin(), children.end(), -1) != children.end()) {
    std::vector<pid_t> started;
    for (pid_t pid : children) {
      if (pid > 0) started.push_back(pid);
    }
    KillChildren(started);
    return FlowFailed(peer, "cannot fork its processes");
  }
  const int all = senders + receivers;
  bool ok = SleepUntilAtLeast(control->ready, all, shm::MonotonicNanos() + kIpcDeadlineNs);
  control->go.store(1, std::memory_order_release);
  if (ok) SleepNanos(config.time_per_run.count() + config.time_per_run.count() / 4);
  ok = ok &&
       SleepUntilAtLeast(control->senders_done, senders, shm::MonotonicNanos() + kIpcDeadlineNs);
  std::uint64_t total = 0;
  for (int i = 0; i < senders; ++i) total += control->sent[i];
  control->total.store(total, std::memory_order_relaxed);
  // SYNC POINT WRITE: bench_ipc.total (the receivers may compare with it)
  control->total_known.store(1, std::memory_order_release);
  ok = ok && SleepUntilAtLeast(control->receivers_done, receivers,
                               shm::MonotonicNanos() + kIpcDeadlineNs);
  if (!ReapChildren(children, shm::MonotonicNanos() + kIpcDeadlineNs) || !ok) {
    return FlowFailed(peer, "a sender or receiver process failed or timed out");
  }
  for (int j = 0; j < receivers; ++j) {
    if (control->received[j] != total) {
      return FlowFailed(peer, "receiver " + std::to_string(j) + " got " +
                                  std::to_string(control->received[j]) + " of " +
                                  std::to_string(total) + " messages");
    }
  }
  *msgs_per_s = DeliveredRate(*control, senders, receivers, total);
  return Status::OK();
}

Status IpcThroughput(const IpcConfig& config, std::vector<IpcFigure>* figures) {
  for (int payload : kIpcPayloads) {
    for (const char* peer :
         {"evbus", "evbus-blocking", "evbus-1to4", "evbus-2to1", "raw-ring", "pipe", "uds"}) {
      const std::string name = peer;
      double rate = 0;
      Status st = name == "evbus"            ? EvbusThroughput(config, payload, 1, 1, false, &rate)
                  : name == "evbus-blocking" ? EvbusThroughput(config, payload, 1, 1, true, &rate)
                  : name == "evbus-1to4"     ? EvbusThroughput(config, payload, 1, 4, true, &rate)
                  : name == "evbus-2to1"     ? EvbusThroughput(config, payload, 2, 1, true, &rate)
                  : name == "raw-ring"       ? RawRingThroughput(config, payload, &rate)
                  : name == "pipe"           ? PipeThroughput(config, payload, &rate)
                                             : UdsThroughput(config, payload, &rate);
      EVBUS_RETURN_IF_ERROR(st);
      figures->push_back({name, "thr_msgs", payload, rate, "msgs/s"});
      figures->push_back({name, "thr_bw", payload, rate * payload / 1e6, "MB/s"});
    }
  }
  return Status::OK();
}

}  // namespace evbus::cli
