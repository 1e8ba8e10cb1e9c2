// The processes of `evbus bench ipc`: a block of shared memory made before
// fork, children pinned to a CPU, and the control words the parent and its
// children coordinate through.
//
// Thread safety: the parent and each child use one thread each.
// Invariants:
//   1. Every child is reaped before the measurement that forked it returns;
//      a child that has not finished by its deadline is killed by its pid.
//   2. A child writes its results (counts, times) before it raises its done
//      count with release; the parent reads them after acquiring that count.
#ifndef EVBUS_TOOLS_EVBUS_BENCH_IPC_PROCS_H_
#define EVBUS_TOOLS_EVBUS_BENCH_IPC_PROCS_H_

#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include "base/status.h"
#include "shm/wait.h"
#include "tools/evbus/bench_ipc.h"

namespace evbus::cli {

inline constexpr int kIpcMaxSenders = 2;
inline constexpr int kIpcMaxReceivers = 4;
// The data bytes of the throughput rings, evbus's and the raw ring's alike.
// A receiver the scheduler parks for a slice (4 of them share CPU B in the
// 1-to-4 run) must find the ring still holding its backlog: 4 MiB is 4096
// messages of 1 KiB, several milliseconds at these rates.
inline constexpr std::uint64_t kIpcFlowRingBytes = 4u << 20;

// A child or a handshake that takes longer than this has failed.
inline constexpr std::int64_t kIpcDeadlineNs = 10'000'000'000;

// Shared between the parent and its children; hot words each on a line.
struct IpcControl {
  alignas(64) std::atomic<int> ready{0};  // children that finished setting up
  alignas(64) std::atomic<int> go{0};     // 1: senders start
  alignas(64) std::atomic<int> stop{0};   // 1: the echo child stops
  // Set once every sender is done: the messages each receiver must get.
  alignas(64) std::atomic<std::uint64_t> total{0};
  std::atomic<int> total_known{0};
  alignas(64) std::atomic<int> senders_done{0};
  std::atomic<int> receivers_done{0};
  std::uint64_t warm[kIpcMaxSenders] = {};  // untimed sends (first of sent)
  std::uint64_t sent[kIpcMaxSenders] = {};
  std::int64_t first_send_ns[kIpcMaxSenders] = {};
  std::uint64_t received[kIpcMaxReceivers] = {};
  std::int64_t last_receive_ns[kIpcMaxReceivers] = {};
};

// `bytes` of zeroed shared memory (MAP_SHARED | MAP_ANONYMOUS), inherited by
// children forked while it lives; null if mmap failed.
class SharedMemory {
 public:
  explicit SharedMemory(std::size_t bytes);
  ~SharedMemory();
  SharedMemory(const SharedMemory&) = delete;
  SharedMemory& operator=(const SharedMemory&) = delete;
  void* get() const { return memory_; }

 private:
  void* memory_;
  std::size_t bytes_;
};

// A T constructed in shared memory; get() is null if mapping failed.
template <typename T>
class SharedObject {
 public:
  SharedObject() : memory_(sizeof(T)) {
    if (memory_.get() != nullptr) object_ = new (memory_.get()) T();
  }
  T* get() const { return object_; }

 private:
  SharedMemory memory_;
  T* object_ = nullptr;
};

// Pins the calling process to `cpu`; false if the kernel refuses.
bool PinChild(int cpu);

// Forks a child pinned to `cpu` that runs fn() and exits 0 if it returned
// true, 1 otherwise (never returns into the caller's code). -1 if fork failed.
template <typename Fn>
pid_t ForkPinned(int cpu, Fn&& fn) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const bool pinned = PinChild(cpu);
  ::_exit(pinned && fn() ? 0 : 1);
}

// Spins (with a pause) until counter >= want; false once deadline_ns passed.
bool SpinUntilAtLeast(const std::atomic<int>& counter, int want, std::int64_t deadline_ns);

// The same, sleeping 50 us between looks (the parent, which shares CPU A
// with the senders).
bool SleepUntilAtLeast(const std::atomic<int>& counter, int want, std::int64_t deadline_ns);

// Waits for every child; kills (SIGKILL, by pid) any still running at
// `deadline_ns`. True if all exited with status 0.
bool ReapChildren(const std::vector<pid_t>& pids, std::int64_t deadline_ns);

// Kills every child (SIGKILL, by pid) and reaps it.
void KillChildren(const std::vector<pid_t>& pids);

// Sleeps for ns nanoseconds (the parent, while its children measure).
void SleepNanos(std::int64_t ns);

// Spins until ready() or, checked every 1024 tries, *stop (if not null) or
// the deadline; returns whether ready() became true. A pause between tries,
// as the ring's own busy-spin wait (shm/wait.h) has: every spinning peer
// waits the same way.
template <typename Ready>
bool SpinFor(Ready&& ready, const std::atomic<int>* stop, std::int64_t deadline_ns) {
  for (std::uint32_t i = 1;; ++i) {
    if (ready()) return true;
    shm::CpuRelax();
    if ((i & 1023) == 0) {
      if (stop != nullptr && stop->load(std::memory_order_relaxed) != 0) return false;
      if (shm::MonotonicNanos() > deadline_ns) return false;
    }
  }
}

// How long a sender sends: untimed until both warm_ns have passed and
// warm_messages are sent (a lap of the ring: first touches of its pages are
// not what is measured), then timed for timed_ns.
struct SendBudget {
  std::int64_t warm_ns = 0;
  std::uint64_t warm_messages = 0;
  std::int64_t timed_ns = 0;
};

// The budget of one throughput run of `payload`-byte messages.
SendBudget FlowBudget(const IpcConfig& config, int payload);

// A sender child's part of a throughput run (child `index` of the senders):
// ready, wait for go, send by `budget` (timed by its own clock, so a sender
// the scheduler starts late still measures its whole budget). send()
// returns 1 (sent), 0 (full: try again) or -1 (failed).
template <typename Send>
bool RunSender(IpcControl* control, int index, const SendBudget& budget, Send&& send) {
  control->ready.fetch_add(1, std::memory_order_release);
  if (!SpinUntilAtLeast(control->go, 1, shm::MonotonicNanos() + kIpcDeadlineNs)) return false;
  std::uint64_t sent = 0;
  auto send_until = [&](std::int64_t end, std::uint64_t at_least) {
    for (std::uint32_t i = 0; (i & 255) != 0 || sent < at_least || shm::MonotonicNanos() < end;
         ++i) {
      const int r = send();
      if (r < 0) return false;
      if (r == 0) shm::CpuRelax();  // full: a pause, as on the receiving side
      sent += static_cast<std::uint64_t>(r);
    }
    return true;
  };
  if (!send_until(shm::MonotonicNanos() + budget.warm_ns, budget.warm_messages)) return false;
  control->warm[index] = sent;
  control->first_send_ns[index] = shm::MonotonicNanos();
  if (!send_until(control->first_send_ns[index] + budget.timed_ns, 0)) return false;
  control->sent[index] = sent;
  // SYNC POINT WRITE: bench_ipc.done (sent, warm and first_send_ns are visible)
  control->senders_done.fetch_add(1, std::memory_order_release);
  return true;
}

// A receiver child's part: receive() returns 1 (a message), 0 (nothing
// now), 2 (end of stream) or -1 (failed). It ends at end of stream or once
// it has all the messages the senders sent; its end time is the moment it
// first found nothing after its last message.
template <typename Receive>
bool RunReceiver(IpcControl* control, int index, Receive&& receive) {
  control->ready.fetch_add(1, std::memory_order_release);
  std::uint64_t received = 0;
  std::int64_t idle_since = 0;
  bool idle = false;
  for (;;) {
    const int r = receive();
    if (r < 0) return false;
    if (r == 1) {
      ++received;
      idle = false;
      continue;
    }
    if (!idle) idle_since = shm::MonotonicNanos();
    idle = true;
    shm::CpuRelax();  // the pause of a busy-spin wait (shm/wait.h)
    if (r == 2) break;
    // SYNC POINT READ: bench_ipc.total (every sender's count is in)
    if (control->total_known.load(std::memory_order_acquire) != 0 &&
        received >= control->total.load(std::memory_order_relaxed)) {
      break;
    }
  }
  control->received[index] = received;
  control->last_receive_ns[index] = idle_since;
  // SYNC POINT WRITE: bench_ipc.done (received and last_receive_ns are visible)
  control->receivers_done.fetch_add(1, std::memory_order_release);
  return true;
}

// Round trips for the warm-up (a lap of every ring, at most a quarter of
// the budget), then for the budget: one-way samples in *one_way.
inline constexpr std::size_t kIpcMaxSamples = 1 << 18;  // per round
inline constexpr int kIpcWarmUpTrips = 20000;

template <typename RoundTrip>
bool MeasureTrips(const IpcConfig& config, RoundTrip&& round_trip,
                  std::vector<std::int64_t>* one_way) {
  const std::int64_t budget = config.time_per_run.count();
  const std::int64_t warm_end = shm::MonotonicNanos() + budget / 4;
  for (int i = 0; i < kIpcWarmUpTrips && shm::MonotonicNanos() < warm_end; ++i) {
    if (!round_trip()) return false;
  }
  one_way->clear();
  one_way->reserve(kIpcMaxSamples);
  std::int64_t before = shm::MonotonicNanos();
  const std::int64_t end = before + budget;
  while (one_way->size() < kIpcMaxSamples) {
    if (!round_trip()) return false;
    const std::int64_t after = shm::MonotonicNanos();
    one_way->push_back((after - before) / 2);
    if (after >= end) break;
    before = after;
  }
  return true;
}

// After fork: waits for the echo child, measures, stops it (stop word, then
// release_child(), e.g. closing its pipe) and reaps it.
template <typename RoundTrip>
Status DriveEcho(const std::string& peer, const IpcConfig& config, IpcControl* control, pid_t child,
                 RoundTrip&& round_trip, const std::function<void()>& release_child,
                 std::vector<std::int64_t>* one_way) {
  bool ok = child > 0 &&
            SpinUntilAtLeast(control->ready, 1, shm::MonotonicNanos() + kIpcDeadlineNs) &&
            MeasureTrips(config, round_trip, one_way);
  control->stop.store(1, std::memory_order_release);
  release_child();
  if (child > 0) ok = ReapChildren({child}, shm::MonotonicNanos() + kIpcDeadlineNs) && ok;
  if (ok) return Status::OK();
  return Status::IOError("bench ipc: the " + peer +
                         " latency run failed (the echo process stopped or timed out); run it "
                         "again on a quieter machine or choose other --cpus");
}

// The parent's part of a throughput run whose children (senders, then
// receivers) are forked: go, wait for the senders, hand the receivers the
// total, wait for them and reap all. *msgs_per_s: timed messages over the
// time from the first timed send to the last receiver's end. Fails if a
// child failed or a receiver got other than every message.
Status DriveFlow(const std::string& peer, const IpcConfig& config, IpcControl* control,
                 const std::vector<pid_t>& children, int senders, int receivers,
                 double* msgs_per_s);

// The ring's peers (bench_ipc_ring.cc): ping-pong through two segments, and
// one throughput run of `senders` producers to `receivers` durable subscribers.
Status EvbusLatency(const IpcConfig& config, int payload, bool blocking,
                    std::vector<std::int64_t>* one_way);
Status EvbusThroughput(const IpcConfig& config, int payload, int senders, int receivers,
                       bool blocking, double* msgs_per_s);

// "evbus-bench-ipc-<pid>-<tag>", a stream name of this run.
std::string IpcStreamName(const std::string& tag);

}  // namespace evbus::cli

#endif  // EVBUS_TOOLS_EVBUS_BENCH_IPC_PROCS_H_
