// The ring's peers in `evbus bench ipc`: evbus (busy-spinning subscribers)
// and its variants, through real segments shared by forked processes.
//   latency:    a segment each way; each side a Producer on one and a
//               non-durable Subscriber on the other.
//   throughput: one segment; durable subscribers, so producers are gated by
//               the slowest one and nothing is lost (every receiver checks
//               it got every message).
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "shm/producer.h"
#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tools/evbus/bench_ipc_procs.h"

namespace evbus::cli {
namespace {

constexpr std::uint64_t kLatencyRingBytes = 256u << 10;
constexpr std::int64_t kTripTimeoutNs = 2'000'000'000;
constexpr std::int64_t kBlockingSliceNs = 5'000'000;

// A segment of this run, removed when this goes away (in the parent).
class BenchSegment {
 public:
  BenchSegment(std::string stream, std::uint64_t data_capacity) : stream_(std::move(stream)) {
    shm::SegmentOptions options;
    options.data_capacity = data_capacity;
    options.max_record_size = 4096;
    options.index_slots = static_cast<std::uint32_t>(data_capacity / 64);
    auto segment = shm::Segment::Create(stream_, "", options);
    status_ = segment.status();
    if (segment.ok()) segment_ = std::move(*segment);
  }
  ~BenchSegment() {
    if (segment_ == nullptr) return;
    segment_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }
  const Status& status() const { return status_; }
  const std::string& stream() const { return stream_; }

 private:
  std::string stream_;
  Status status_;
  std::unique_ptr<shm::Segment> segment_;
};

// What one process holds: the segments it uses and its ends of them.
struct RingEnds {
  std::unique_ptr<shm::Segment> in, out;
  std::unique_ptr<shm::Producer> producer;      // on `out`
  std::unique_ptr<shm::Subscriber> subscriber;  // on `in`
};

// Opens the segments (either may be empty: no end there) and attaches.
bool OpenEnds(const std::string& in, const std::string& out, const shm::SubscriberOptions& options,
              RingEnds* ends) {
  if (!in.empty()) {
    auto segment = shm::Segment::Open(in, "");
    if (!segment.ok()) return false;
    ends->in = std::move(*segment);
    auto subscriber = shm::Subscriber::Attach(ends->in.get(), options);
    if (!subscriber.ok()) return false;
    ends->subscriber = std::move(*subscriber);
  }
  if (!out.empty()) {
    auto segment = shm::Segment::Open(out, "");
    if (!segment.ok()) return false;
    ends->out = std::move(*segment);
    auto producer = shm::Producer::Attach(ends->out.get(), "bench-ipc");
    if (!producer.ok()) return false;
    ends->producer = std::move(*producer);
  }
  return true;
}

// 1: a record in *record, 0: nothing before *stop or the deadline, -1: a
// read that was neither a record nor empty (the bench loses nothing). Waits
// the subscriber's own way (Read: busy-spin with a pause, or spin then sleep).
int ReadOne(shm::Subscriber* subscriber, const std::atomic<int>* stop, std::int64_t deadline_ns,
            shm::Record* record) {
  shm::ReadStatus status = subscriber->TryRead(record);
  while (status == shm::ReadStatus::kEmpty) {
    if (stop != nullptr && stop->load(std::memory_order_relaxed) != 0) return 0;
    if (shm::MonotonicNanos() > deadline_ns) return 0;
    status = subscriber->Read(record, kBlockingSliceNs);
  }
  return status == shm::ReadStatus::kRecord ? 1 : -1;
}

shm::SubscriberOptions Options(const std::string& name, bool durable, bool blocking) {
  shm::SubscriberOptions options;
  options.name = name;
  options.durable = durable;
  options.wait = blocking ? shm::WaitStrategy::kBlocking : shm::WaitStrategy::kBusySpin;
  return options;
}

bool EchoChild(const std::string& ping, const std::string& pong, bool blocking,
               IpcControl* control) {
  RingEnds ends;
  if (!OpenEnds(ping, pong, Options("bench-echo", false, blocking), &ends)) return false;
  control->ready.fetch_add(1, std::memory_order_release);
  shm::Record record;
  std::string buffer;
  for (;;) {
    const int r = ReadOne(ends.subscriber.get(), &control->stop, INT64_MAX, &record);
    if (r <= 0) return r == 0;
    buffer.assign(record.body);
    std::uint64_t id = 0;
    if (ends.producer->TryPublish({}, buffer, &id) != shm::PublishResult::kOk) return false;
  }
}

bool SenderChild(const std::string& stream, int payload, int index, IpcControl* control,
                 const IpcConfig& config) {
  RingEnds ends;
  if (!OpenEnds("", stream, {}, &ends)) return false;
  const std::string message(static_cast<std::size_t>(payload), 's');
  return RunSender(control, index, FlowBudget(config, payload), [&] {
    std::uint64_t id = 0;
    switch (ends.producer->TryPublish({}, message, &id)) {
      case shm::PublishResult::kOk:
        return 1;
      case shm::PublishResult::kBackPressured:
        return 0;
      default:
        return -1;
    }
  });
}

bool ReceiverChild(const std::string& stream, int payload, int index, bool blocking,
                   IpcControl* control) {
  RingEnds ends;
  const std::string name = "bench-rx-" + std::to_string(index);
  if (!OpenEnds(stream, "", Options(name, true, blocking), &ends)) return false;
  std::string buffer(static_cast<std::size_t>(payload), 'r');
  shm::Record record;
  bool may_wait = false;  // TryRead first, Read (the subscriber's own wait) once it found nothing
  return RunReceiver(control, index, [&] {
    const shm::ReadStatus status = may_wait ? ends.subscriber->Read(&record, kBlockingSliceNs)
                                            : ends.subscriber->TryRead(&record);
    may_wait = status == shm::ReadStatus::kEmpty;
    if (status == shm::ReadStatus::kEmpty) return 0;
    if (status != shm::ReadStatus::kRecord) return -1;
    std::memcpy(buffer.data(), record.body.data(), std::min(buffer.size(), record.body.size()));
    return 1;
  });
}

}  // namespace

Status EvbusLatency(const IpcConfig& config, int payload, bool blocking,
                    std::vector<std::int64_t>* one_way) {
  BenchSegment ping(IpcStreamName("ping"), kLatencyRingBytes);
  BenchSegment pong(IpcStreamName("pong"), kLatencyRingBytes);
  EVBUS_RETURN_IF_ERROR(ping.status());
  EVBUS_RETURN_IF_ERROR(pong.status());
  SharedObject<IpcControl> control;
  if (control.get() == nullptr) return Status::IOError("bench ipc: cannot map shared memory");
  RingEnds ends;
  if (!OpenEnds(pong.stream(), ping.stream(), Options("bench-ping", false, blocking), &ends)) {
    return Status::IOError("bench ipc: cannot attach to the latency segments");
  }
  const pid_t child = ForkPinned(config.cpu_b, [&] {
    return EchoChild(ping.stream(), pong.stream(), blocking, control.get());
  });
  std::string message(static_cast<std::size_t>(payload), 'p');
  shm::Record record;
  auto trip = [&] {
    std::uint64_t id = 0;
    return ends.producer->TryPublish({}, message, &id) == shm::PublishResult::kOk &&
           ReadOne(ends.subscriber.get(), nullptr, shm::MonotonicNanos() + kTripTimeoutNs,
                   &record) == 1;
  };
  const std::string peer = blocking ? "evbus-blocking" : "evbus";
  return DriveEcho(
      peer, config, control.get(), child, trip, [] {}, one_way);
}

Status EvbusThroughput(const IpcConfig& config, int payload, int senders, int receivers,
                       bool blocking, double* msgs_per_s) {
  BenchSegment segment(IpcStreamName("flow"), kIpcFlowRingBytes);
  EVBUS_RETURN_IF_ERROR(segment.status());
  SharedObject<IpcControl> control;
  if (control.get() == nullptr) return Status::IOError("bench ipc: cannot map shared memory");
  std::vector<pid_t> children;
  for (int i = 0; i < senders; ++i) {
    children.push_back(ForkPinned(config.cpu_a, [&] {
      return SenderChild(segment.stream(), payload, i, control.get(), config);
    }));
  }
  for (int j = 0; j < receivers; ++j) {
    children.push_back(ForkPinned(config.cpu_b, [&] {
      return ReceiverChild(segment.stream(), payload, j, blocking, control.get());
    }));
  }
  const std::string peer = senders == 2     ? "evbus-2to1"
                           : receivers == 4 ? "evbus-1to4"
                           : blocking       ? "evbus-blocking"
                                            : "evbus";
  return DriveFlow(peer, config, control.get(), children, senders, receivers, msgs_per_s);
}

}  // namespace evbus::cli
