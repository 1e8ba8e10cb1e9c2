#include "tools/evbus/demo_roles.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/timestamp.h"
#include "shm/event_publish.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/subscriber.h"
#include "stream/shared_secrets.h"

namespace evbus::cli {
namespace {

constexpr std::int64_t kWaitNs = 10'000'000'000;

[[noreturn]] void Die(const char* role, const std::string& what) {
  std::fprintf(stderr, "demo %s: %s\n", role, what.c_str());
  std::_Exit(kExitError);
}

Event MustParse(const char* role, const std::string& json) {
  auto event = ParseEvent(json);
  if (!event.ok()) Die(role, event.status().ToString());
  return std::move(event).value();
}

// One process's view of the stream: segment, producer, subscriber, and the
// stream's shared secret set (the file `evbus secrets` writes).
struct Role {
  const char* name = "";
  std::unique_ptr<shm::Segment> segment;
  std::unique_ptr<SharedSecrets> secrets;
  std::unique_ptr<shm::Producer> producer;
  std::unique_ptr<shm::Subscriber> subscriber;
  std::string scratch;

  Role(const StreamTarget& target, const char* role, bool produce) : name(role) {
    segment = Take(OpenSegment(target));
    if (produce) producer = Take(shm::Producer::Attach(segment.get(), role));
    shm::SubscriberOptions options;
    options.name = role;
    subscriber = Take(shm::Subscriber::Attach(segment.get(), options));
    secrets = std::make_unique<SharedSecrets>(segment.get(),
                                              SharedSecrets::PathFor(target.stream, target.user));
  }

  // The value, or the role dies with the reason.
  template <typename T>
  T Take(Result<T> result) {
    if (!result.ok()) Die(name, result.status().ToString());
    return std::move(*result);
  }

  std::uint64_t Publish(Event* event, Source source) {
    std::uint64_t generation = 0;
    auto redactor = secrets->Current(&generation);
    if (!redactor.ok()) Die(name, redactor.status().ToString());
    PublishOptions options;
    options.source = source;
    auto id = PublishEvent(*producer, **redactor, options, event, &scratch);
    if (!id.ok()) Die(name, id.status().ToString());
    return *id;
  }

  void Read(shm::Record* rec) {
    const shm::ReadStatus r = subscriber->Read(rec, kWaitNs);
    if (r != shm::ReadStatus::kRecord) Die(name, "no event within 10 s, or a gap in the ring");
  }
};

void SignalReady(int fd) {
  if (fd >= 0 && write(fd, "r", 1) != 1) std::_Exit(kExitError);
}

void Pause(std::int64_t ns) {
  timespec t{0, static_cast<long>(ns)};
  nanosleep(&t, nullptr);
}

}  // namespace

int RunDemoRuntime(const StreamTarget& target, int ready_fd) {
  Role role(target, "runtime", true);
  SignalReady(ready_fd);
  shm::Record rec;
  for (int answered = 0; answered < kDemoRunActions;) {
    role.Read(&rec);
    const Result<EventMeta> meta = EventMetaFromRecord(rec.id, rec.meta);
    if (!meta.ok()) {
      std::fprintf(stderr, "demo runtime: %s\n", meta.status().message().c_str());
      continue;
    }
    if (GetEventType(meta->type).class_name != "CmdRunAction") continue;
    std::string output = answered % 10 == 0 ? "export GITHUB_TOKEN=" + std::string(kDemoSecret)
                                            : "total " + std::to_string(answered);
    Event obs = MustParse(
        "runtime",
        R"({"observation":"run","content":")" + output +
            R"(","extras":{"command":"ls -la","hidden":false,"metadata":{"exit_code":0}},)"
            R"("success":true})");
    obs.message = "Command `ls -la` executed with exit code 0.";
    obs.cause = static_cast<std::int64_t>(rec.id);
    role.Publish(&obs, Source::kEnvironment);
    ++answered;
  }
  return kExitOk;
}

int RunDemoServer(const StreamTarget& target, int ready_fd, int report_fd) {
  Role role(target, "server", false);
  SignalReady(ready_fd);
  std::vector<std::int64_t> latencies;
  shm::Record rec;
  std::uint64_t expected_id = 0;
  while (static_cast<int>(latencies.size()) < kDemoTotalEvents) {
    role.Read(&rec);
    if (rec.id != expected_id++) Die("server", "event " + std::to_string(rec.id) + " out of order");
    latencies.push_back(NowNanos() - rec.meta.timestamp_ns);
  }
  std::sort(latencies.begin(), latencies.end());
  auto us = [&](double p) {
    const auto at = static_cast<std::size_t>(p * static_cast<double>(latencies.size() - 1));
    return static_cast<double>(latencies[at]) / 1e3;
  };
  char report[256];
  const int n = std::snprintf(report, sizeof report,
                              "server received %d events, each once, in id order; publish -> "
                              "delivery latency p50 %.1f us, p99 %.1f us, max %.1f us\n",
                              kDemoTotalEvents, us(0.5), us(0.99), us(1.0));
  if (write(report_fd, report, static_cast<std::size_t>(n)) != n) return kExitError;
  return kExitOk;
}

// Like a real agent it waits for each action's observation before going on.
int RunDemoAgent(const StreamTarget& target) {
  Role role(target, "agent", true);
  shm::Record rec;
  for (int i = 0; i < kDemoRunActions; ++i) {
    if (i % 2 == 0) {
      Event msg =
          MustParse("agent", R"({"action":"message","args":{"content":"step )" + std::to_string(i) +
                                 R"(","image_urls":null,"wait_for_response":false}})");
      msg.message = "step " + std::to_string(i);
      role.Publish(&msg, Source::kUser);
    }
    Event run = MustParse("agent", R"({"action":"run","args":{"command":"ls -la","is_input":false,)"
                                   R"("thought":"","blocking":false,"hidden":false}})");
    run.message = "Running command: ls -la";
    const std::uint64_t id = role.Publish(&run, Source::kAgent);
    do {
      role.Read(&rec);
    } while (rec.meta.cause != static_cast<std::int64_t>(id));
    Pause(kDemoStepPauseNs);
  }
  return kExitOk;
}

}  // namespace evbus::cli
