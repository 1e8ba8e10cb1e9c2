#include "stream/persister_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "persist/store_paths.h"
#include "shm/atomic128.h"
#include "shm/stats.h"
#include "stream/event_stream.h"

namespace evbus {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPollInterval = std::chrono::microseconds(500);
constexpr const char* kPersisterName = "persister";  // PersisterOptions' default
constexpr int kMaxStarts = 3;                        // persisters started by one call, at most

bool Executable(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

std::string AbsolutePath(const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  char cwd[4096];
  if (::getcwd(cwd, sizeof(cwd)) == nullptr) return path;
  return JoinPath(cwd, path);
}

// The last non-empty line of the persister's log, for an error message.
std::string LastLogLine(const std::string& log_path) {
  std::string text;
  if (!Env::Default()->ReadFile(log_path, &text).ok()) return "(no log)";
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::size_t nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

std::vector<std::string> PersisterArgs(const PersisterLaunch& launch, const std::string& exe) {
  std::vector<std::string> args = {exe,         "--root",          AbsolutePath(launch.root),
                                   "--session", launch.session_id, "--fsync",
                                   launch.fsync};
  if (!launch.user_id.empty()) args.insert(args.end(), {"--user", launch.user_id});
  if (launch.openhands_layout) args.push_back("--openhands-layout");
  if (launch.exit_when_idle.count() > 0) {
    args.insert(args.end(),
                {"--exit-when-idle",
                 std::to_string(static_cast<double>(launch.exit_when_idle.count()) / 1000.0)});
  }
  return args;
}

// In the forked child: a new session, then the persister in a grandchild
// whose pid goes up `pid_fd`. Only async-signal-safe calls until exec.
[[noreturn]] void StartDetached(char* const* argv, int null_fd, int log_fd, int pid_fd) {
  ::setsid();
  const pid_t child = ::fork();
  if (child == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    ::close_range(3, ~0U, 0);
    if (::chdir("/") == 0) ::execv(argv[0], argv);
    ::_exit(127);
  }
  const ssize_t n = ::write(pid_fd, &child, sizeof(child));
  ::_exit(n == sizeof(child) ? 0 : 1);
}

// Double fork: the persister belongs to no process of the caller's (no
// zombie to reap, no signal from its terminal). Returns the persister's pid.
Result<pid_t> Spawn(const std::vector<std::string>& args, const std::string& log_path) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int log_fd =
      ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, kOwnerOnlyFileMode);
  int pipe_fds[2] = {-1, -1};
  if (null_fd < 0 || log_fd < 0 || ::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    const int err = errno;
    for (int fd : {null_fd, log_fd, pipe_fds[0], pipe_fds[1]}) {
      if (fd >= 0) ::close(fd);
    }
    return Status::IOError("cannot prepare the persister's log '" + log_path +
                           "' or descriptors: " + std::strerror(err));
  }
  const pid_t middle = ::fork();
  if (middle == 0) StartDetached(argv.data(), null_fd, log_fd, pipe_fds[1]);
  const int fork_errno = errno;
  for (int fd : {null_fd, log_fd, pipe_fds[1]}) ::close(fd);
  pid_t child = -1;
  ssize_t n = -1;
  if (middle > 0) {
    int status = 0;
    while (::waitpid(middle, &status, 0) < 0 && errno == EINTR) {
    }
    do {
      n = ::read(pipe_fds[0], &child, sizeof(child));
    } while (n < 0 && errno == EINTR);
  }
  ::close(pipe_fds[0]);
  if (middle < 0 || n != sizeof(child) || child <= 0) {
    return Status::IOError("cannot start the persister '" + args[0] +
                           "': " + (middle < 0 ? std::strerror(fork_errno) : "its launch failed"));
  }
  return child;
}

// Gone, or a zombie nobody has reaped yet (it was reparented).
bool ProcessGone(pid_t pid) {
  if (::kill(pid, 0) != 0) return errno == ESRCH;
  std::string stat;
  if (!Env::Default()->ReadFile("/proc/" + std::to_string(pid) + "/stat", &stat).ok()) return true;
  const std::size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

// Waits until a persister is registered, ours or a winner's.
Result<pid_t> WaitForPersister(const shm::Segment& segment, const std::string& evbus_dir,
                               pid_t started, const std::string& log_path,
                               Clock::time_point deadline) {
  for (;;) {
    if (const pid_t pid = LivePersister(segment); pid > 0) return pid;
    // Ours is gone and no other holds the store: it failed, or lost to a
    // persister that was dying meanwhile (a loser to a live winner exits 3
    // and leaves the store's LOCK held by the winner).
    if (ProcessGone(started) && persist::StoreLockHolder(evbus_dir) == 0 &&
        LivePersister(segment) == 0) {
      return Status::Unavailable("the persister started for stream '" + segment.shm_name() +
                                 "' (pid " + std::to_string(started) +
                                 ") exited before it registered: " + LastLogLine(log_path) +
                                 " (log: " + log_path + ")");
    }
    if (Clock::now() >= deadline) {
      return Status::TimedOut("no persister registered for stream '" + segment.shm_name() +
                              "' in time; its log says: " + LastLogLine(log_path) + " (" +
                              log_path + ")");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

// Starts the persister (again, if the one started exited unregistered with
// the store free: it lost to one that was dying) and waits for one.
Result<pid_t> StartAndWait(const shm::Segment& segment, const std::string& evbus_dir,
                           const std::vector<std::string>& args, const std::string& log_path,
                           std::chrono::milliseconds timeout, bool* started_here) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (int starts = 1;; ++starts) {
    auto started = Spawn(args, log_path);
    if (!started.ok()) return started.status();
    auto pid = WaitForPersister(segment, evbus_dir, *started, log_path, deadline);
    if (pid.ok()) {
      *started_here = *pid == *started;
      return pid;
    }
    if (pid.status().code() != Status::Code::kUnavailable || starts >= kMaxStarts) return pid;
  }
}

}  // namespace

Result<std::string> FindPersisterExecutable() {
  if (const char* env = std::getenv("EVBUS_PERSISTER"); env != nullptr && *env != '\0') {
    if (Executable(env)) return std::string(env);
    return Status::NotFound(std::string("EVBUS_PERSISTER names '") + env +
                            "', which is not an executable file: fix or unset it");
  }
  char self[4096];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string dir(self, static_cast<std::size_t>(n));
    dir.resize(dir.rfind('/') + 1);
    if (Executable(dir + "evbus_persister")) return dir + "evbus_persister";
  }
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "";
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const std::string dir(rest.substr(0, colon));
    rest = colon == std::string_view::npos ? "" : rest.substr(colon + 1);
    if (!dir.empty() && Executable(dir + "/evbus_persister")) return dir + "/evbus_persister";
  }
  return Status::NotFound(
      "cannot find the evbus_persister executable: set EVBUS_PERSISTER to its path, "
      "put it on PATH, or pass PersisterLaunch::executable");
}

pid_t LivePersister(const shm::Segment& segment) {
  for (const shm::SubscriberStats& s : shm::Snapshot(segment).subscribers) {
    // A killed multi-threaded process is a zombie before its last thread
    // has let go of its locks: dying is not live.
    if (s.alive && s.durable && s.name == kPersisterName && !ProcessGone(s.pid)) return s.pid;
  }
  return 0;
}

Result<PersisterLease> EnsurePersister(const PersisterLaunch& launch) {
  auto evbus_dir = persist::EvbusDir(launch.root, launch.session_id, launch.user_id);
  if (!evbus_dir.ok()) return evbus_dir.status();
  auto segment = shm::Segment::Open(launch.session_id, launch.user_id);
  if (!segment.ok()) {
    return AddContext(segment.status(), "cannot start a persister: ",
                      "; open (create) the stream before its persister");
  }
  EVBUS_RETURN_IF_ERROR(Env::Default()->CreateDirs(*evbus_dir, kOwnerOnlyDirMode));
  PersisterLease lease;
  lease.log_path = JoinPath(*evbus_dir, "persister.log");
  // The lease first: a persister that has not decided to exit now stays.
  auto users =
      persist::StreamUserLease::AcquireShared(*evbus_dir, Clock::now() + launch.ready_timeout);
  if (!users.ok()) return users.status();
  lease.users = std::move(*users);
  lease.persister_pid = LivePersister(**segment);
  if (lease.persister_pid > 0) {
    // Registered persisters hold their store's LOCK: one that does not hold
    // this one persists the stream under another root.
    if (persist::StoreLockHolder(*evbus_dir) == lease.persister_pid) return lease;
    return Status::InvalidArgument("stream '" + launch.session_id + "' is persisted by pid " +
                                   std::to_string(lease.persister_pid) +
                                   " into a store under another root than '" + launch.root +
                                   "': open it with that root, or stop that persister first");
  }
  std::string exe = launch.executable;
  if (exe.empty()) {
    auto found = FindPersisterExecutable();
    if (!found.ok()) return found.status();
    exe = *found;
  } else if (!Executable(exe)) {
    return Status::NotFound("the persister executable '" + exe + "' is not an executable file");
  }
  auto pid = StartAndWait(**segment, *evbus_dir, PersisterArgs(launch, AbsolutePath(exe)),
                          lease.log_path, launch.ready_timeout, &lease.started);
  if (!pid.ok()) return pid.status();
  lease.persister_pid = *pid;
  return lease;
}

Status WaitDurable(const shm::Segment& segment, std::int64_t id,
                   std::chrono::milliseconds timeout) {
  const std::uint64_t handed_out = shm::LoadHalfAcquire(&segment.claim()->next_id);
  if (id < 0 || static_cast<std::uint64_t>(id) >= handed_out) {
    return Status::InvalidArgument("id " + std::to_string(id) +
                                   " was never handed out in stream '" + segment.shm_name() +
                                   "' (next id " + std::to_string(handed_out) + ")");
  }
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    bool registered = false;
    shm::SubscriberStats persister;
    for (const shm::SubscriberStats& s : shm::Snapshot(segment).subscribers) {
      if (!s.durable || s.name != kPersisterName) continue;
      registered = true;
      persister = s;
      if (s.next_id > static_cast<std::uint64_t>(id)) return Status::OK();
    }
    if (!registered) {
      return Status::Unavailable("no persister is registered for stream '" + segment.shm_name() +
                                 "': nothing makes id " + std::to_string(id) +
                                 " durable; start one (EnsurePersister, or evbus_persister)");
    }
    if (Clock::now() >= deadline) {
      return Status::TimedOut(
          "the persister of stream '" + segment.shm_name() + "' (pid " +
          std::to_string(persister.pid) + (persister.alive ? ", running" : ", not running") +
          ") made ids below " + std::to_string(persister.next_id) + " durable, not id " +
          std::to_string(id) + ", within " + std::to_string(timeout.count()) +
          " ms: check its log (persister.log in the store directory)");
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

Status WaitDurable(const EventStream& stream, std::int64_t id, std::chrono::milliseconds timeout) {
  return WaitDurable(stream.segment(), id, timeout);
}

}  // namespace evbus
