// evbus demo: a short scene on one host. An "agent" process sends messages
// and run actions, a "runtime" process answers each run action with an
// observation whose cause is the action's id (some outputs contain a
// registered secret), and a "server" process subscribes to everything. At the
// end the demo prints a summary and scans the shared segment for the secret.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.h"
#include "core/event_publish.h"
#include "core/event_record.h"
#include "core/redactor.h"
#include "core/timestamp.h"
#include "shm/producer.h"
#include "shm/subscriber.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

constexpr int kRunActions = 200;
constexpr int kMessages = 100;
constexpr int kTotalEvents = kMessages + 2 * kRunActions;
constexpr std::string_view kSecret = "ghp_demoToken4f9a2c7e81b3";
constexpr std::int64_t kWaitNs = 10'000'000'000;

Event MustParse(const std::string& json) {
  auto event = ParseEvent(json);
  if (!event.ok()) {
    std::fprintf(stderr, "demo: %s\n", event.status().ToString().c_str());
    std::exit(kExitError);
  }
  return std::move(event).value();
}

Redactor DemoRedactor() {
  Redactor redactor;
  (void)redactor.SetSecrets({{"github_token", std::string(kSecret)}});
  return redactor;
}

struct Role {
  std::unique_ptr<shm::Segment> segment;
  std::unique_ptr<shm::Producer> producer;
  std::unique_ptr<shm::Subscriber> subscriber;
};

int g_ready_fd = -1;  // a child writes one byte here once it has attached

void SignalReady() {
  if (g_ready_fd >= 0 && write(g_ready_fd, "r", 1) != 1) std::_Exit(kExitError);
}

Role Join(const StreamTarget& target, const char* name, bool produce, bool subscribe) {
  Role role;
  Status st = OpenSegment(target, &role.segment);
  if (st.ok() && produce) st = shm::Producer::Attach(role.segment.get(), name, &role.producer);
  if (st.ok() && subscribe) {
    shm::SubscriberOptions options;
    options.name = name;
    st = shm::Subscriber::Attach(role.segment.get(), options, &role.subscriber);
  }
  if (!st.ok()) {
    std::fprintf(stderr, "demo %s: %s\n", name, st.ToString().c_str());
    std::_Exit(kExitError);
  }
  return role;
}

// Answers each CmdRunAction with a CmdOutputObservation caused by it.
int RunRuntime(const StreamTarget& target) {
  Role role = Join(target, "runtime", true, true);
  SignalReady();
  Redactor redactor = DemoRedactor();
  PublishOptions options;
  options.source = Source::kEnvironment;
  std::string scratch;
  shm::Record rec;
  for (int answered = 0; answered < kRunActions;) {
    if (role.subscriber->Read(&rec, kWaitNs) != shm::ReadStatus::kRecord) return kExitError;
    if (GetEventType(rec.meta.type).class_name != "CmdRunAction") continue;
    std::string output = answered % 10 == 0 ? "export GITHUB_TOKEN=" + std::string(kSecret)
                                            : "total " + std::to_string(answered);
    Event obs = MustParse(
        R"({"observation":"run","content":")" + output +
        R"(","extras":{"command":"ls","hidden":false,"metadata":{"exit_code":0}},"success":true})");
    obs.message = "Command `ls` executed with exit code 0.";
    obs.cause = static_cast<std::int64_t>(rec.id);
    if (!PublishEvent(*role.producer, redactor, options, &obs, &scratch).ok()) return kExitError;
    ++answered;
  }
  return kExitOk;
}

// Reads every event and prints delivery-latency percentiles and counts.
int RunServer(const StreamTarget& target) {
  Role role = Join(target, "server", false, true);
  SignalReady();
  std::vector<std::int64_t> latencies;
  int by_source[4] = {0, 0, 0, 0};
  shm::Record rec;
  while (static_cast<int>(latencies.size()) < kTotalEvents) {
    if (role.subscriber->Read(&rec, kWaitNs) != shm::ReadStatus::kRecord) return kExitError;
    latencies.push_back(NowNanos() - rec.meta.timestamp_ns);
    by_source[rec.meta.source & 3]++;
  }
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return static_cast<double>(latencies[static_cast<std::size_t>(p * (kTotalEvents - 1))]) / 1e3;
  };
  std::printf("server: received %d events in id order: agent %d, user %d, environment %d\n",
              kTotalEvents, by_source[1], by_source[2], by_source[3]);
  std::printf("server: add_event -> delivery latency p50 %.1f us, p99 %.1f us, max %.1f us\n",
              pct(0.5), pct(0.99), pct(1.0));
  return kExitOk;
}

pid_t Spawn(int (*role)(const StreamTarget&), const StreamTarget& target) {
  pid_t pid = fork();
  if (pid == 0) {
    int rc = role(target);
    std::fflush(stdout);
    std::_Exit(rc);
  }
  return pid;
}

// Waits for the observation caused by action `action_id`.
Status AwaitObservation(shm::Subscriber& sub, std::uint64_t action_id) {
  shm::Record rec;
  while (true) {
    if (sub.Read(&rec, kWaitNs) != shm::ReadStatus::kRecord) {
      return Status::TimedOut("no observation for action " + std::to_string(action_id));
    }
    if (rec.meta.cause == static_cast<std::int64_t>(action_id)) return Status::OK();
  }
}

// The agent: user messages and run actions, from this process; like a real
// agent it waits for each action's observation before the next step.
Status RunAgent(const StreamTarget& target) {
  Role role = Join(target, "agent", true, true);
  Redactor redactor = DemoRedactor();
  std::string scratch;
  PublishOptions as_user, as_agent;
  as_user.source = Source::kUser;
  as_agent.source = Source::kAgent;
  for (int i = 0; i < kRunActions; ++i) {
    if (i % 2 == 0) {
      Event msg = MustParse(R"({"action":"message","args":{"content":"step )" + std::to_string(i) +
                            R"(","image_urls":null,"wait_for_response":false}})");
      msg.message = "step " + std::to_string(i);
      auto id = PublishEvent(*role.producer, redactor, as_user, &msg, &scratch);
      if (!id.ok()) return id.status();
    }
    Event run = MustParse(R"({"action":"run","args":{"command":"ls -la","is_input":false,)"
                          R"("thought":"","blocking":false,"hidden":false}})");
    run.message = "Running command: ls -la";
    auto id = PublishEvent(*role.producer, redactor, as_agent, &run, &scratch);
    if (!id.ok()) return id.status();
    if (Status st = AwaitObservation(*role.subscriber, *id); !st.ok()) return st;
  }
  return Status::OK();
}

}  // namespace

int CmdDemo(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, FlagSpec{}, 0, 0);
  if (!args.ok()) return UsageError("demo", args.status().message());
  StreamTarget target{"demo-" + std::to_string(getpid()), ""};
  std::unique_ptr<shm::Segment> segment;
  shm::SegmentOptions options;
  options.data_capacity = 4 << 20;
  if (Status st = shm::Segment::Create(target.stream, "", options, &segment); !st.ok()) {
    return Fail("demo", st);
  }
  std::printf("demo: created stream \"%s\" (4 MiB ring); starting server and runtime\n",
              target.stream.c_str());
  std::fflush(stdout);  // children inherit the buffer
  int ready[2];
  if (pipe(ready) != 0) return Fail("demo", Status::IOError("pipe failed"));
  g_ready_fd = ready[1];
  pid_t server = Spawn(RunServer, target);
  pid_t runtime = Spawn(RunRuntime, target);
  close(ready[1]);  // so that a child that dies before attaching gives EOF
  g_ready_fd = -1;
  char byte[2];
  for (std::size_t got = 0; got < 2;) {  // both children attached (or one died: EOF)
    ssize_t n = read(ready[0], byte, 2 - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  close(ready[0]);
  Status agent = RunAgent(target);
  int failures = agent.ok() ? 0 : 1;
  if (!agent.ok()) std::fprintf(stderr, "demo agent: %s\n", agent.ToString().c_str());
  for (pid_t pid : {runtime, server}) {
    int wstatus = 0;
    waitpid(pid, &wstatus, 0);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) ++failures;
  }
  std::string_view bytes(reinterpret_cast<const char*>(&segment->header()), segment->size_bytes());
  std::size_t leaks = 0;
  for (auto at = bytes.find(kSecret); at != std::string_view::npos;
       at = bytes.find(kSecret, at + 1)) {
    ++leaks;
  }
  std::printf("demo: scanned %llu bytes of shared memory for the registered secret: %zu found\n",
              static_cast<unsigned long long>(bytes.size()), leaks);
  (void)shm::Segment::Remove(target.stream, "");
  std::printf("demo: %s; stream removed\n", failures == 0 && leaks == 0 ? "ok" : "FAILED");
  return failures == 0 && leaks == 0 ? kExitOk : kExitError;
}

}  // namespace evbus::cli
