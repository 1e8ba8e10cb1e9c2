// The latency workload of `evbus bench`: one message in flight between two
// processes pinned to --cpus A,B. The sender stamps CLOCK_MONOTONIC into the
// message; the receiver records now - stamp and acknowledges, so the next
// message goes out only after the previous one arrived.
//   evbus:    ring publish -> a busy-spinning subscriber's TryRead
//   baseline: write(2) on a pipe -> a blocking read(2)
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>
#include <string>

#include "shm/producer.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "shm/wait.h"
#include "tools/evbus/bench_harness.h"

namespace evbus::cli {
namespace {

constexpr std::size_t kMaxPings = 200000;
constexpr std::uint64_t kRingBytes = 256u << 10;
// Pings before the measured ones: more than one lap of the ring, so that
// both processes have touched every page of it (first touches are slow).
constexpr std::uint64_t kWarmUpPings = kRingBytes / 64;
constexpr std::int64_t kAckTimeoutNs = 2'000'000'000;  // a receiver that stalls this long failed

// Shared by the two processes (an anonymous shared mapping made before fork).
struct LatencyShared {
  std::atomic<int> ready;            // the receiver is attached
  std::atomic<int> stop;             // the sender is done
  std::atomic<std::uint64_t> acked;  // messages the receiver has seen
  std::int64_t samples[kMaxPings];   // receive - send, ns; written by the receiver
};

class SharedMapping {
 public:
  SharedMapping()
      : shared_(static_cast<LatencyShared*>(::mmap(nullptr, sizeof(LatencyShared),
                                                   PROT_READ | PROT_WRITE,
                                                   MAP_SHARED | MAP_ANONYMOUS, -1, 0))) {
    if (shared_ == MAP_FAILED) shared_ = nullptr;
  }
  ~SharedMapping() {
    if (shared_ != nullptr) ::munmap(shared_, sizeof(LatencyShared));
  }
  SharedMapping(const SharedMapping&) = delete;
  SharedMapping& operator=(const SharedMapping&) = delete;
  LatencyShared* get() const { return shared_; }

 private:
  LatencyShared* shared_;
};

// Waits until `counter` reaches `want` (spinning), false after the timeout.
bool WaitFor(const std::atomic<std::uint64_t>& counter, std::uint64_t want) {
  const std::int64_t deadline = shm::MonotonicNanos() + kAckTimeoutNs;
  // SYNC POINT READ: bench.ack (the receiver's sample for this message is written)
  while (counter.load(std::memory_order_acquire) < want) {
    if (shm::MonotonicNanos() > deadline) return false;
    shm::CpuRelax();
  }
  return true;
}

[[noreturn]] void RingReceiver(const std::string& stream, int cpu, LatencyShared* shared) {
  (void)PinToCpu(cpu);
  shm::SubscriberOptions options;
  options.name = "bench-latency";
  options.wait = shm::WaitStrategy::kBusySpin;
  auto segment = shm::Segment::Open(stream, "");
  if (!segment.ok()) ::_exit(1);
  auto attached = shm::Subscriber::Attach(segment->get(), options);
  if (!attached.ok()) ::_exit(1);
  std::unique_ptr<shm::Subscriber> subscriber = std::move(*attached);
  shared->ready.store(1, std::memory_order_release);
  std::uint64_t n = 0;
  shm::Record record;
  while (shared->stop.load(std::memory_order_acquire) == 0) {
    if (subscriber->TryRead(&record) != shm::ReadStatus::kRecord) {
      shm::CpuRelax();
      continue;
    }
    std::int64_t stamp = 0;
    std::memcpy(&stamp, record.body.data(), sizeof(stamp));
    if (n < kMaxPings) shared->samples[n] = shm::MonotonicNanos() - stamp;
    // SYNC POINT WRITE: bench.ack (the sample above is visible to the sender)
    shared->acked.store(++n, std::memory_order_release);
  }
  ::_exit(0);
}

[[noreturn]] void PipeReceiver(int in_fd, int ack_fd, int cpu, LatencyShared* shared) {
  (void)PinToCpu(cpu);
  std::uint64_t n = 0;
  std::int64_t stamp = 0;
  while (::read(in_fd, &stamp, sizeof(stamp)) == static_cast<ssize_t>(sizeof(stamp))) {
    if (n < kMaxPings) shared->samples[n] = shm::MonotonicNanos() - stamp;
    ++n;
    const char ack = 'k';
    if (::write(ack_fd, &ack, 1) != 1) break;
  }
  ::_exit(0);
}

// Collects the receiver's samples and exit status; false if it failed.
bool Reap(pid_t child, LatencyShared* shared, std::uint64_t sent,
          std::vector<std::int64_t>* samples) {
  int status = 0;
  ::waitpid(child, &status, 0);
  samples->assign(shared->samples, shared->samples + std::min<std::uint64_t>(sent, kMaxPings));
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && sent > 0;
}

Status RingLatency(const BenchConfig& config, std::vector<std::int64_t>* samples) {
  SharedMapping mapping;
  LatencyShared* shared = mapping.get();
  if (shared == nullptr) return Status::IOError("bench latency: cannot map shared memory");
  const std::string stream = "evbus-bench-latency-" + std::to_string(::getpid());
  shm::SegmentOptions options;
  options.data_capacity = kRingBytes;
  options.max_record_size = 4096;
  EVBUS_ASSIGN_OR_RETURN(std::unique_ptr<shm::Segment> segment,
                         shm::Segment::Create(stream, "", options));
  auto attached = shm::Producer::Attach(segment.get(), "bench");
  Status st = attached.status();
  std::unique_ptr<shm::Producer> producer = attached.ok() ? std::move(*attached) : nullptr;
  const pid_t child = st.ok() ? ::fork() : -1;
  if (child == 0) RingReceiver(stream, config.cpu_b, shared);
  std::uint64_t sent = 0;
  bool ok = child > 0 && PinToCpu(config.cpu_a).ok();
  const std::int64_t ready_deadline = shm::MonotonicNanos() + kAckTimeoutNs;
  while (ok && shared->ready.load(std::memory_order_acquire) == 0) {
    ok = shm::MonotonicNanos() < ready_deadline;
  }
  std::string body(64, 'x');
  auto ping = [&] {
    const std::int64_t stamp = shm::MonotonicNanos();
    std::memcpy(body.data(), &stamp, sizeof(stamp));
    std::uint64_t id = 0;
    return producer->TryPublish({}, body, &id) == shm::PublishResult::kOk &&
           WaitFor(shared->acked, ++sent);
  };
  ok = ok && WarmUp(kWarmUpPings, ping);
  const std::uint64_t first_measured = sent;
  const std::int64_t end = shm::MonotonicNanos() + config.time_per_side.count();
  while (ok && sent < kMaxPings && shm::MonotonicNanos() < end) ok = ping();
  shared->stop.store(1, std::memory_order_release);
  const bool reaped = child > 0 && Reap(child, shared, sent, samples);
  samples->erase(samples->begin(),
                 samples->begin() + static_cast<std::ptrdiff_t>(
                                        std::min<std::uint64_t>(first_measured, samples->size())));
  producer.reset();
  segment.reset();
  (void)shm::Segment::Remove(stream, "");
  if (!st.ok()) return st;
  if (!ok || !reaped) return Status::IOError("bench latency: the ring receiver process failed");
  return Status::OK();
}

Status PipeLatency(const BenchConfig& config, std::vector<std::int64_t>* samples) {
  SharedMapping mapping;
  LatencyShared* shared = mapping.get();
  int to_child[2], to_parent[2];
  if (shared == nullptr || ::pipe(to_child) != 0) {
    return Status::IOError("bench latency: cannot create the pipe baseline");
  }
  if (::pipe(to_parent) != 0) {
    ::close(to_child[0]);
    ::close(to_child[1]);
    return Status::IOError("bench latency: cannot create the pipe baseline");
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(to_child[1]);
    ::close(to_parent[0]);
    PipeReceiver(to_child[0], to_parent[1], config.cpu_b, shared);
  }
  ::close(to_child[0]);
  ::close(to_parent[1]);
  bool ok = child > 0 && PinToCpu(config.cpu_a).ok();
  std::uint64_t sent = 0;
  const std::int64_t end = shm::MonotonicNanos() + config.time_per_side.count();
  while (ok && sent < kMaxPings && shm::MonotonicNanos() < end) {
    const std::int64_t stamp = shm::MonotonicNanos();
    char ack = 0;
    ok = ::write(to_child[1], &stamp, sizeof(stamp)) == static_cast<ssize_t>(sizeof(stamp)) &&
         ::read(to_parent[0], &ack, 1) == 1;
    sent += ok ? 1 : 0;
  }
  ::close(to_child[1]);  // the receiver reads end of file and exits
  const bool reaped = child > 0 && Reap(child, shared, sent, samples);
  ::close(to_parent[0]);
  if (!ok || !reaped) return Status::IOError("bench latency: the pipe receiver process failed");
  return Status::OK();
}

}  // namespace

Status BenchLatency(const BenchConfig& config, std::vector<BenchFigure>* out) {
  std::vector<std::int64_t> ring, pipe;
  if (Status st = RingLatency(config, &ring); !st.ok()) return st;
  if (Status st = PipeLatency(config, &pipe); !st.ok()) return st;
  for (double p : {50.0, 99.0}) {
    const std::string metric = p == 50.0 ? "p50 ns" : "p99 ns";
    out->push_back(
        {"latency", metric, Percentile(&ring, p), Percentile(&pipe, p), "pipe ping-pong", false});
  }
  return Status::OK();
}

}  // namespace evbus::cli
