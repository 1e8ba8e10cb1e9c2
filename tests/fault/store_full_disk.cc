// Scenario 4, full disk (see CheckFullDisk in store_damage.h). As root the
// store lives on a 256 KiB tmpfs that is remounted larger afterwards (space
// returns); otherwise RLIMIT_FSIZE in the child plays the full disk and the
// parent, without the limit, is the space coming back.
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "tests/fault/fault_util.h"
#include "tests/fault/store_damage.h"

namespace evbus::torture {
namespace {

constexpr std::uint64_t kMoreAfterwards = 50;

persist::StoreWriterOptions EveryEvent() {
  return WriterOptions(persist::SyncPolicy::kEveryEvent, 16384);
}

// In the child: append until the disk is full; write "durable code message".
[[noreturn]] void FillChild(const std::string& dir, bool tmpfs, int fd) {
  if (!tmpfs) {
    ::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{64 * 1024, 64 * 1024};
    ::setrlimit(RLIMIT_FSIZE, &limit);
  }
  std::string line = "0 open-failed";
  auto writer = persist::StoreWriter::Open(dir, EveryEvent());
  if (writer.ok()) {
    Status s;
    for (std::uint64_t id = 0; s.ok() && id < 1'000'000; ++id)
      s = AppendEvents(writer->get(), id, id + 1);
    line = std::to_string((*writer)->durable_next_id()) + " " +
           (s.code() == Status::Code::kIOError ? "IOError " : "other ") + s.ToString();
  }
  if (::write(fd, line.data(), line.size()) < 0) ::_exit(2);
  ::_exit(0);  // no destructors: the process gives up with the disk full
}

// Runs FillChild in a child process; `line` gets what it wrote. False when
// no pipe could be made.
bool FillInChild(const std::string& dir, bool tmpfs, std::string* line) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    FillChild(dir, tmpfs, fds[1]);
  }
  ::close(fds[1]);
  char buf[1024] = {};
  const ssize_t n = ::read(fds[0], buf, sizeof(buf) - 1);
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  line->assign(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  return true;
}

// Once space returned: reopens the store and appends kMoreAfterwards
// events; returns the id the reopened writer went on from.
std::uint64_t AppendOnceSpaceReturned(const std::string& dir, DamageReporter* reporter,
                                      ScenarioResult* r) {
  persist::StoreWriterOptions options = EveryEvent();
  options.reporter = reporter;
  auto writer = persist::StoreWriter::Open(dir, options);
  if (!writer.ok()) {
    r->Fail("full disk: reopening once space returned: " + writer.status().ToString());
    return 0;
  }
  const std::uint64_t next = (*writer)->next_id();
  Status s = AppendEvents(writer->get(), next, next + kMoreAfterwards);
  if (s.ok()) s = (*writer)->Close();
  if (!s.ok()) r->Fail("full disk: appending once space returned: " + s.ToString());
  return next;
}

// Every event from 0 to `end` must read back once, intact.
void CheckReadBack(const std::string& dir, std::uint64_t end, ScenarioResult* r) {
  const ReadBack back = ReadStore(dir, end, nullptr);
  r->events_checked += back.intact;
  r->torn += back.torn;
  r->duplicated += back.duplicated;
  if (back.intact != end) r->lost += end - back.intact;
}

}  // namespace

std::string CheckFullDisk(const std::string& work_dir, ScenarioResult* r) {
  const std::string mount_dir = work_dir + "/full";
  ::mkdir(mount_dir.c_str(), 0700);
  const bool tmpfs = ::geteuid() == 0 && ::mount("evbus-torture", mount_dir.c_str(), "tmpfs", 0,
                                                 "size=256k,mode=0700") == 0;
  const std::string dir = mount_dir + "/evbus";
  std::string line;
  if (!FillInChild(dir, tmpfs, &line)) {
    r->Fail("full disk: pipe");
    return "";
  }
  ++r->faults;
  unsigned long long durable = 0;
  char kind[16] = {};
  if (std::sscanf(line.c_str(), "%llu %15s", &durable, kind) != 2 ||
      std::string(kind) != "IOError" || durable == 0) {
    r->Fail("full disk: expected a clear IOError after some durable events, got: " + line);
  }
  if (tmpfs) ::mount(nullptr, mount_dir.c_str(), nullptr, MS_REMOUNT, "size=4m,mode=0700");
  DamageReporter reporter;
  const std::uint64_t next = AppendOnceSpaceReturned(dir, &reporter, r);
  if (next < durable) r->lost += durable - next;
  CheckReadBack(dir, next + kMoreAfterwards, r);
  if (tmpfs) ::umount2(mount_dir.c_str(), MNT_DETACH);
  const std::string error = line.substr(line.find(' ', line.find(' ') + 1) + 1);
  return std::string("full disk (") + (tmpfs ? "256 KiB tmpfs" : "RLIMIT_FSIZE 64 KiB") +
         "): " + std::to_string(durable) + " events durable, then \"" + error.substr(0, 120) +
         "\"; " + std::to_string(reporter.reports.size()) + " tail reports on recovery";
}

}  // namespace evbus::torture
