// evbus demo: a scene on one host. A stream is created with a registered
// secret; a persister (`evbus persist`, its own process) drains it into a
// temporary store; "server" and "runtime" processes subscribe; an "agent"
// process sends messages and run actions, each answered by the runtime with
// an observation caused by it. The inspector shows the scene live for about
// 3 s; then the store is searched and summarised, and the segment and every
// store file are scanned for the secret. Everything the demo made is removed
// at the end, also after a failure or Ctrl-C.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "shm/segment.h"
#include "shm/stats.h"
#include "stream/metrics_reader.h"
#include "stream/shared_secrets.h"
#include "tools/evbus/cli.h"
#include "tools/evbus/demo_roles.h"
#include "tools/evbus/demo_summary.h"
#include "tools/evbus/inspect_frame.h"
#include "tools/evbus/inspect_run.h"
#include "tools/evbus/stop_signal.h"
#include "tools/evbus/stream_args.h"

namespace evbus::cli {
namespace {

constexpr double kInspectSeconds = 3.0;
constexpr double kInspectRefreshSeconds = 0.75;
constexpr double kPersisterWaitSeconds = 15.0;

// What the demo made, removed by Cleanup() on every way out.
struct Scene {
  StreamTarget target;
  std::string dir;  // temporary: store/ (the persister's root) and persister.log
  std::string root;
  std::vector<pid_t> children;
  pid_t persister = -1;

  void Cleanup() {
    for (pid_t pid : children) {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
    children.clear();
    (void)shm::Segment::Remove(target.stream, target.user);
    (void)SharedSecrets::Remove(target.stream, target.user);
    (void)RemoveStaleStreamMetrics(target.stream, target.user);
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

template <typename Body>
pid_t Spawn(Scene* scene, Body body) {
  std::fflush(stdout);  // a child must not flush the parent's buffer again
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid == 0) {
    ResetStopHandlers();  // Ctrl-C ends the children at once
    const int rc = body();
    std::fflush(stdout);
    std::_Exit(rc);
  }
  if (pid > 0) scene->children.push_back(pid);
  return pid;
}

// `evbus persist STREAM --root ROOT` from this same executable, its messages
// in persister.log (they would scroll through the inspector's screen).
pid_t StartPersister(Scene* scene) {
  const std::string log = scene->dir + "/persister.log";
  return Spawn(scene, [&]() -> int {
    if (std::freopen(log.c_str(), "w", stderr) == nullptr) return kExitError;
    execl("/proc/self/exe", "evbus", "persist", scene->target.stream.c_str(), "--root",
          scene->root.c_str(), static_cast<char*>(nullptr));
    std::perror("demo: exec evbus persist");
    return kExitError;
  });
}

// Polls the segment (read-only) until `ready` holds, a stop, or a deadline.
template <typename Ready>
bool WaitFor(const shm::Segment& segment, double seconds, Ready ready) {
  for (double waited = 0; waited < seconds; waited += 0.01) {
    if (ready(shm::Snapshot(segment))) return true;
    if (!SleepUnlessStopped(0.01)) return false;
  }
  return false;
}

const shm::SubscriberStats* Persister(const shm::SegmentStats& s) {
  for (const auto& sub : s.subscribers) {
    if (sub.durable && sub.alive && sub.name == kPersisterSubscriberName) return &sub;
  }
  return nullptr;
}

bool WaitChild(Scene* scene, pid_t pid) {
  int status = 0;
  if (StopRequested()) return false;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR || StopRequested()) return false;
  }
  std::erase(scene->children, pid);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string ReadReport(int fd) {
  std::string text;
  char buf[512];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
    text.append(buf, static_cast<std::size_t>(n));
  return text;
}

// Creates the stream and its secret set, starts the persister, the server
// and the runtime. *report_fd receives the server's report.
Status SetUpScene(Scene* scene, int* report_fd) {
  std::filesystem::create_directories(scene->root);
  shm::SegmentOptions options;
  options.data_capacity = 4 << 20;
  EVBUS_ASSIGN_OR_RETURN(std::unique_ptr<shm::Segment> segment,
                         shm::Segment::Create(scene->target.stream, "", options));
  SharedSecrets secrets(segment.get(),
                        SharedSecrets::PathFor(scene->target.stream, scene->target.user));
  EVBUS_RETURN_IF_ERROR(secrets.Set({{"github_token", std::string(kDemoSecret)}}));
  std::printf("demo: stream \"%s\" created (4 MiB ring) with one registered secret; store in %s\n",
              scene->target.stream.c_str(), scene->root.c_str());
  scene->persister = StartPersister(scene);
  EVBUS_ASSIGN_OR_RETURN(std::unique_ptr<shm::Segment> view,
                         shm::Segment::OpenReadOnly(scene->target.stream, ""));
  if (!WaitFor(*view, kPersisterWaitSeconds,
               [](const auto& s) { return Persister(s) != nullptr; })) {
    return Status::TimedOut("the persister did not register within 15 s; see " + scene->dir +
                            "/persister.log");
  }
  int ready[2], report[2];
  if (pipe(ready) != 0 || pipe(report) != 0) return Status::IOError("pipe failed");
  const StreamTarget target = scene->target;
  Spawn(scene, [&] { return RunDemoServer(target, ready[1], report[1]); });
  Spawn(scene, [&] { return RunDemoRuntime(target, ready[1]); });
  close(ready[1]);
  close(report[1]);
  char byte[2];
  std::size_t got = 0;  // both attached (or one died: EOF)
  for (ssize_t n; got < 2 && (n = read(ready[0], byte, 2 - got)) > 0;) {
    got += static_cast<std::size_t>(n);
  }
  close(ready[0]);
  *report_fd = report[0];
  if (got < 2) return Status::Unavailable("the server or the runtime failed to attach");
  std::printf("demo: persister (pid %d), server and runtime attached; the agent starts\n\n",
              static_cast<int>(scene->persister));
  return Status::OK();
}

// The agent plays while the inspector watches; then everything is drained.
Status PlayAndWatch(Scene* scene, const shm::Segment& view) {
  const StreamTarget target = scene->target;
  const pid_t agent = Spawn(scene, [&] { return RunDemoAgent(target); });
  InspectOptions watch;
  watch.watch_seconds = kInspectRefreshSeconds;
  watch.max_seconds = kInspectSeconds;
  watch.clear_screen = isatty(STDOUT_FILENO) != 0;
  (void)RunInspector(view, watch);
  std::printf("\n");
  std::vector<pid_t> roles = scene->children;
  std::erase(roles, scene->persister);
  bool ok = true;
  for (pid_t pid : roles) ok = WaitChild(scene, pid) && ok;
  if (StopRequested()) return Status::Unavailable("interrupted");
  if (!ok)
    return Status::Unavailable("a demo process failed (agent pid " + std::to_string(agent) + ")");
  // Everything published is durable before the persister is stopped.
  if (!WaitFor(view, kPersisterWaitSeconds, [](const shm::SegmentStats& s) {
        const shm::SubscriberStats* p = Persister(s);
        return p != nullptr && p->next_id == s.next_id;
      })) {
    return Status::TimedOut("the persister did not catch up within 15 s");
  }
  kill(scene->persister, SIGTERM);
  if (!WaitChild(scene, scene->persister)) {
    return Status::Unavailable("the persister failed; see " + scene->dir + "/persister.log");
  }
  return Status::OK();
}

int Summarise(Scene* scene, const std::string& server_report) {
  auto store = SummariseStore(scene->root, scene->target.stream);
  if (!store.ok()) return Fail("demo", store.status());
  const StoreSummary& s = *store;
  std::printf("demo summary\n");
  std::printf("  store: %lld events (ids 0..%lld%s): user %lld, agent %lld, environment %lld\n",
              static_cast<long long>(s.events), static_cast<long long>(s.latest_id),
              s.dense ? ", none missing" : ", NOT DENSE", static_cast<long long>(s.by_source[2]),
              static_cast<long long>(s.by_source[1]), static_cast<long long>(s.by_source[3]));
  std::printf("  runtime answered %lld of %lld run actions (observation cause = action id)\n",
              static_cast<long long>(s.answered), static_cast<long long>(s.run_actions));
  std::printf("  %s", server_report.empty() ? "server: no report\n" : server_report.c_str());
  const std::string shm_file = "/dev/shm/" + shm::SegmentName(scene->target.stream, "");
  const SecretScan in_segment = ScanForSecret(shm_file, kDemoSecret);
  const SecretScan in_store = ScanForSecret(scene->root, kDemoSecret);
  std::printf(
      "  secret scan: %llu found in the segment (%llu bytes of %s), %llu found in the "
      "store (%llu files, %llu bytes)\n",
      static_cast<unsigned long long>(in_segment.found),
      static_cast<unsigned long long>(in_segment.bytes), shm_file.c_str(),
      static_cast<unsigned long long>(in_store.found),
      static_cast<unsigned long long>(in_store.files),
      static_cast<unsigned long long>(in_store.bytes));
  const bool ok = s.events == kDemoTotalEvents && s.dense && s.answered == kDemoRunActions &&
                  !server_report.empty() && in_segment.bytes > 0 && in_segment.found == 0 &&
                  in_store.files > 0 && in_store.found == 0;
  return ok ? kExitOk : kExitError;
}

int Play(Scene* scene) {
  int report_fd = -1;
  Status st = SetUpScene(scene, &report_fd);
  if (st.ok()) {
    auto view = shm::Segment::OpenReadOnly(scene->target.stream, "");
    st = view.ok() ? PlayAndWatch(scene, **view) : view.status();
  }
  const std::string report = st.ok() ? ReadReport(report_fd) : "";
  if (report_fd >= 0) close(report_fd);
  if (!st.ok()) return StopRequested() ? kExitError : Fail("demo", st);
  return Summarise(scene, report);
}

}  // namespace

int CmdDemo(const std::vector<std::string>& argv) {
  auto args = Args::Parse(argv, FlagSpec{}, 0, 0);
  if (!args.ok()) return UsageError("demo", args.status().message());
  InstallStopHandlers();
  Scene scene;
  scene.target = StreamTarget{"demo-" + std::to_string(getpid()), ""};
  std::string tmpl = std::filesystem::temp_directory_path().string() + "/evbus-demo-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Fail("demo", Status::IOError("cannot create a temporary directory under " +
                                        std::filesystem::temp_directory_path().string() +
                                        "; set TMPDIR to a writable directory"));
  }
  scene.dir = tmpl;
  scene.root = scene.dir + "/store";
  const int rc = Play(&scene);
  scene.Cleanup();
  if (StopRequested()) {
    std::printf("demo: interrupted; stream, secrets file and temporary store removed\n");
    return 130;
  }
  std::printf("demo: %s; stream, secrets file and temporary store removed\n",
              rc == kExitOk ? "ok" : "FAILED");
  return rc;
}

}  // namespace evbus::cli
