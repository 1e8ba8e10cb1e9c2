// The throughput workloads of `evbus bench`: publish, add_event, persist.
// Each measures evbus and then its baseline for the same time budget.
#include <fcntl.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <system_error>

#include "core/event.h"
#include "core/redactor.h"
#include "persist/page_format.h"
#include "persist/record_convert.h"
#include "persist/store_writer.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "stream/event_stream.h"
#include "stream/shared_secrets.h"
#include "tools/evbus/bench_harness.h"

namespace evbus::cli {
namespace {

constexpr std::size_t kDequeBound = 4096;  // the baseline queue stays bounded like the ring
constexpr auto kGroupCommit = std::chrono::milliseconds(5);
constexpr std::uint64_t kRingBytes = 4u << 20;  // small, so one untimed lap warms it

std::string BenchStreamName(std::string_view tag) {
  return "evbus-bench-" + std::string(tag) + "-" + std::to_string(::getpid());
}

// An OpenHands event whose JSON is about `size` bytes (its output padded).
Event SampleEvent(std::size_t size, int variant) {
  const char* json =
      variant % 2 == 0
          ? R"({"action":"run","source":"agent","message":"Running command: make test",)"
            R"("args":{"command":"make test","is_input":false,"thought":"run the tests",)"
            R"("blocking":false,"hidden":false,"confirmation_state":"confirmed"}})"
          : R"({"observation":"run","source":"environment","message":"Command finished",)"
            R"("content":"","extras":{"command":"make test","metadata":{"exit_code":0,)"
            R"("pid":-1,"username":"openhands","hostname":"runtime","working_dir":"/workspace"}}})";
  auto event = ParseEvent(json);
  if (!event.ok()) return Event{};
  const std::size_t base = EventToJson(*event).size();
  const std::string line = "ok   tests/unit/test_event_stream.py::test_basic_flow PASSED\n";
  std::string text;
  while (base + text.size() < size) text += line;
  if (variant % 2 == 0) {
    event->message += "\n" + text;
  } else {
    event->content = text;
  }
  return std::move(*event);
}

Redactor::SecretMap TwentySecrets() {
  std::mt19937 rng(7);
  const std::string alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  Redactor::SecretMap secrets;
  for (int i = 0; i < 20; ++i) {
    std::string s = i % 2 == 0 ? "ghp_" : "sk-proj-";
    for (int k = 0; k < 24; ++k) s.push_back(alnum[rng() % alnum.size()]);
    secrets["SECRET_" + std::to_string(i)] = s;
  }
  return secrets;
}

Status Failed(std::string_view workload, std::string_view what) {
  return Status::IOError("bench " + std::string(workload) + ": " + std::string(what) +
                         " failed during the run; see the messages above");
}

}  // namespace

Status BenchPublish(const BenchConfig& config, std::vector<BenchFigure>* out) {
  const std::string stream = BenchStreamName("publish");
  shm::SegmentOptions options;
  options.data_capacity = kRingBytes;
  options.max_record_size = 64u << 10;
  EVBUS_ASSIGN_OR_RETURN(std::unique_ptr<shm::Segment> segment,
                         shm::Segment::Create(stream, "", options));
  auto attached = shm::Producer::Attach(segment.get(), "bench");
  Status st = attached.status();
  std::unique_ptr<shm::Producer> producer = attached.ok() ? std::move(*attached) : nullptr;
  const std::string body(512, 'x');
  double ring = -1;
  auto publish = [&] {
    std::uint64_t id = 0;
    return producer->TryPublish({}, body, &id) == shm::PublishResult::kOk;
  };
  if (st.ok() && WarmUp(kRingBytes / body.size(), publish)) {
    ring = CallsPerSecond(config.time_per_side, publish);
  }
  producer.reset();
  segment.reset();
  (void)shm::Segment::Remove(stream, "");
  if (!st.ok()) return st;
  if (ring < 0) return Failed("publish", "ring publish");
  std::mutex mu;
  std::deque<std::string> queue;
  const double deque = CallsPerSecond(config.time_per_side, [&] {
    std::lock_guard<std::mutex> lock(mu);
    queue.push_back(body);
    if (queue.size() > kDequeBound) queue.pop_front();
    return true;
  });
  out->push_back({"publish", "events/s", ring, deque, "mutex+std::deque push", true});
  return Status::OK();
}

Status BenchAddEvent(const BenchConfig& config, std::vector<BenchFigure>* out) {
  std::vector<Event> events;
  for (int i = 0; i < 8; ++i)
    events.push_back(SampleEvent(512 + 200 * static_cast<std::size_t>(i), i));
  const std::string sid = BenchStreamName("add-event");
  EventStreamOptions options;
  options.store_root = config.scratch_dir;
  options.log = [](const std::string&) {};
  options.capacity = kRingBytes;
  auto stream = EventStream::Open(sid, options);
  if (!stream.ok()) return stream.status();
  Status st = (*stream)->SetSecrets(TwentySecrets());
  std::size_t i = 0;
  double rate = -1;
  auto add = [&] {
    Event& e = events[i++ % events.size()];
    e.id = Event::kInvalidId;
    return (*stream)->AddEvent(&e, Source::kAgent).ok();
  };
  if (st.ok() && WarmUp(kRingBytes / 512, add)) rate = CallsPerSecond(config.time_per_side, add);
  (void)(*stream)->Close();
  stream->reset();
  (void)shm::Segment::Remove(sid, "");
  (void)SharedSecrets::Remove(sid, "");
  if (!st.ok()) return st;
  if (rate < 0) return Failed("add_event", "add_event");
  // The baseline redacts as the stream does: the same 20 secrets and the
  // default secret patterns (a new stream's), on the same publish path.
  Redactor redactor;
  if (Status set = redactor.Set(TwentySecrets(), SecretPatterns{}); !set.ok()) return set;
  std::mutex mu;
  std::deque<std::string> queue;
  std::string got;
  const double deque = CallsPerSecond(config.time_per_side, [&] {
    std::string json;
    if (!AppendRedactedEventJson(events[i++ % events.size()], redactor, &json).ok()) return false;
    {
      std::lock_guard<std::mutex> lock(mu);
      queue.push_back(std::move(json));
    }
    std::lock_guard<std::mutex> lock(mu);
    got = std::move(queue.front());
    queue.pop_front();
    return true;
  });
  out->push_back({"add_event", "events/s", rate, deque, "redact+serialize+mutex+std::deque", true});
  return Status::OK();
}

Status BenchPersist(const BenchConfig& config, std::vector<BenchFigure>* out) {
  const std::string dir = config.scratch_dir + "/persist-bench";
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  persist::StoreWriterOptions options;
  options.sync_policy = persist::SyncPolicy::kGroup;
  options.group_commit_interval = kGroupCommit;
  auto writer = persist::StoreWriter::Open(dir + "/evbus", options);
  if (!writer.ok()) return writer.status();
  Event event = SampleEvent(512, 1);
  event.id = 0;
  const std::string body = EventToJson(event);
  const double store = CallsPerSecond(config.time_per_side, [&] {
    const std::uint64_t id = (*writer)->next_id();
    return (*writer)->Append(persist::RecordMetaFromEvent(id, event), body).ok();
  });
  EVBUS_RETURN_IF_ERROR((*writer)->Close());
  if (store < 0) return Failed("persist", "store append");

  const std::string path = dir + "/raw";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
  if (fd < 0) return Status::IOError("bench persist: cannot create " + path);
  const std::string record(persist::PaddedRecordSize(body.size()), 'r');
  std::string buffer;
  auto last_sync = std::chrono::steady_clock::now();
  auto flush = [&] {
    const bool ok =
        ::write(fd, buffer.data(), buffer.size()) == static_cast<ssize_t>(buffer.size());
    buffer.clear();
    return ok;
  };
  const double raw = CallsPerSecond(config.time_per_side, [&] {
    buffer += record;  // the same buffering the writer does
    if (buffer.size() >= (256u << 10) && !flush()) return false;
    if (std::chrono::steady_clock::now() - last_sync >= kGroupCommit) {
      if (!flush() || ::fdatasync(fd) != 0) return false;
      last_sync = std::chrono::steady_clock::now();
    }
    return true;
  });
  const bool flushed = flush() && ::fdatasync(fd) == 0;
  ::close(fd);
  std::filesystem::remove_all(dir, ec);
  if (raw < 0 || !flushed) return Failed("persist", "raw write");
  out->push_back({"persist", "events/s", store, raw, "write(2)+fdatasync/5ms", true});
  return Status::OK();
}

}  // namespace evbus::cli
