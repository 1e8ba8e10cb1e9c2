// Scenario 7: permissions. A stream is created as it is in production
// (EventStream: segment, shared secrets file, store written by a persister
// of events), then a forked child that switched to a second uid (nobody,
// 65534) tries every way in: the segment read-write and read-only, the
// secrets file, the store directory, a page file, Store::Open. A second
// child maps the segment read-only (the inspector's way) and writes to it.
//
// Targets: every attempt of the second uid fails; the write through the
// read-only mapping dies of SIGSEGV and changes nothing. Without root there
// is no second uid to become: that part is skipped, saying so.
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "persist/store.h"
#include "persist/store_paths.h"
#include "stream/event_stream.h"
#include "stream/shared_secrets.h"
#include "stream/stream_segment.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/store_damage.h"
#include "tests/fault/torture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::torture {
namespace {

constexpr uid_t kNobody = 65534;

struct Attempt {
  std::string what;
  std::function<bool()> succeeded;  // true: the second uid got in (a failure)
};

// Runs every attempt as `kNobody` in a child; returns the ones that got in.
std::vector<std::string> TryAsNobody(const std::vector<Attempt>& attempts) {
  int fds[2];
  if (::pipe(fds) != 0) return {"pipe"};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      ::_exit(3);
    }
    std::string out;
    for (std::size_t i = 0; i < attempts.size(); ++i) out += attempts[i].succeeded() ? '1' : '0';
    if (::write(fds[1], out.data(), out.size()) < 0) ::_exit(2);
    ::_exit(0);
  }
  ::close(fds[1]);
  char buf[64] = {};
  const ssize_t n = ::read(fds[0], buf, sizeof(buf));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (n != static_cast<ssize_t>(attempts.size())) return {"the second-uid child did not report"};
  std::vector<std::string> got_in;
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    if (buf[i] == '1') got_in.push_back(attempts[i].what);
  }
  return got_in;
}

bool Opens(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd >= 0) ::close(fd);
  return fd >= 0;
}

// True if a write through the read-only mapping killed the writer by SIGSEGV.
bool ReadOnlyMappingFaults(const std::string& stream, bool* unchanged) {
  std::unique_ptr<shm::Segment> rw, ro;
  if (!::evbus::testutil::AssignTo(&rw, shm::Segment::Open(stream, "")).ok() ||
      !::evbus::testutil::AssignTo(&ro, shm::Segment::OpenReadOnly(stream, "")).ok()) {
    return false;
  }
  const std::uint64_t before = rw->wait_word()->waiters.load(std::memory_order_relaxed);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGSEGV, SIG_DFL);
    ro->wait_word()->waiters.store(before + 7, std::memory_order_relaxed);  // must fault
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  *unchanged = rw->wait_word()->waiters.load(std::memory_order_relaxed) == before;
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

// The paths of everything a stream keeps others out of.
struct ProtectedPaths {
  std::string sid, root, shm_path, secrets, evbus_dir, page;
};

// Sets a secret and writes a small store, as production does, and returns
// the paths the second uid will try.
Result<ProtectedPaths> PrepareStream(const std::string& sid, const std::string& root,
                                     EventStream* stream) {
  ProtectedPaths p;
  p.sid = sid;
  p.root = root;
  EVBUS_RETURN_IF_ERROR(stream->SetSecrets({{"api_key", "torture-perm-secret"}}));
  p.evbus_dir = stream->paths().evbus_dir;
  EVBUS_RETURN_IF_ERROR(BuildStore(p.evbus_dir, 10, {}));
  p.shm_path = "/dev/shm/" + stream->segment().shm_name();
  p.secrets = SharedSecrets::PathFor(sid, "");
  auto pages = persist::ListPages(Env::Default(), persist::PagesDir(p.evbus_dir));
  p.page = pages.ok() && !pages->empty() ? pages->front().path : p.evbus_dir;
  return p;
}

std::vector<Attempt> SecondUidAttempts(const ProtectedPaths& p) {
  return {
      {"segment read-write", [p] { return Opens(p.shm_path, O_RDWR); }},
      {"segment read-only", [p] { return Opens(p.shm_path, O_RDONLY); }},
      {"Segment::Open",
       [p] {
         std::unique_ptr<shm::Segment> g;
         return ::evbus::testutil::AssignTo(&g, shm::Segment::Open(p.sid, "")).ok();
       }},
      {"Segment::OpenReadOnly",
       [p] {
         std::unique_ptr<shm::Segment> g;
         return ::evbus::testutil::AssignTo(&g, shm::Segment::OpenReadOnly(p.sid, "")).ok();
       }},
      {"secrets file", [p] { return Opens(p.secrets, O_RDONLY); }},
      {"store directory", [p] { return Opens(p.evbus_dir, O_RDONLY | O_DIRECTORY); }},
      {"page file", [p] { return Opens(p.page, O_RDONLY); }},
      {"Store::Open", [p] { return persist::Store::Open(p.root, p.sid, "").ok(); }},
  };
}

// Every attempt of the second uid must fail; without root it is skipped.
void CheckSecondUidKeptOut(const ProtectedPaths& paths, ScenarioResult* r) {
  const std::vector<Attempt> attempts = SecondUidAttempts(paths);
  if (::geteuid() != 0) {
    r->Skip(
        "the second-uid part needs root (setuid to 65534); only the read-only mapping was checked");
    return;
  }
  for (const std::string& got_in : TryAsNobody(attempts)) {
    r->Fail("uid 65534 could open the " + got_in);
  }
  r->faults += attempts.size();
}

}  // namespace

ScenarioResult RunPermissions(const TortureConfig& config) {
  (void)config;
  ScenarioResult r;
  r.name = "7 permissions";
  evbus::TempDir tmp("evbus_torture");
  ::chmod(tmp.path().c_str(), 0755);  // only the stream's own modes may keep others out
  const std::string sid = UniqueStream("torture-perm");
  EventStreamOptions options;
  options.store_root = tmp.path();
  options.capacity = 1 << 20;
  options.max_event_size = 1 << 16;
  auto stream = EventStream::Open(sid, options);
  if (!stream.ok()) {
    r.Fail("set-up: " + stream.status().ToString());
    return r;
  }
  Result<ProtectedPaths> paths = PrepareStream(sid, tmp.path(), (*stream).get());
  if (!paths.ok()) {
    r.Fail("set-up: " + paths.status().ToString());
    return r;
  }
  CheckSecondUidKeptOut(*paths, &r);
  bool unchanged = false;
  ++r.faults;
  if (!ReadOnlyMappingFaults(sid, &unchanged) || !unchanged) {
    r.Fail("a write through the read-only mapping did not fault, or changed the segment");
  }
  r.detail = std::to_string(r.faults) + " access attempts refused (" + paths->shm_path +
             " mode 0600, " + "secrets file, store 0700, read-only mapping SIGSEGV)";
  (void)(*stream)->Close();
  (void)shm::Segment::Remove(sid, "");
  ::unlink(paths->secrets.c_str());
  ::unlink((paths->secrets + ".lock").c_str());
  return r;
}

}  // namespace evbus::torture
