// ensure_persister_proc ROOT SESSION PERSISTER IDLE_MS: calls EnsurePersister
// for stream SESSION under ROOT (with PERSISTER as the executable and
// --exit-when-idle IDLE_MS ms, 0 for none) and prints "ok PID STARTED" (the
// persister's pid, 1 if this call started it) or "error MESSAGE", then exits,
// which drops its user lease. For tests/stream/persister_launcher_test.cc.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "stream/persister_launcher.h"

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s ROOT SESSION PERSISTER IDLE_MS\n", argv[0]);
    return 2;
  }
  evbus::PersisterLaunch launch;
  launch.root = argv[1];
  launch.session_id = argv[2];
  launch.executable = argv[3];
  launch.exit_when_idle = std::chrono::milliseconds(std::atoll(argv[4]));
  launch.ready_timeout = std::chrono::seconds(30);
  auto lease = evbus::EnsurePersister(launch);
  if (!lease.ok()) {
    std::printf("error %s\n", lease.status().ToString().c_str());
    return 1;
  }
  std::printf("ok %d %d\n", static_cast<int>(lease->persister_pid), lease->started ? 1 : 0);
  return 0;
}
