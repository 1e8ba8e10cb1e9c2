#include "tools/evbus/stop_signal.h"

#include <signal.h>

#include <cerrno>
#include <cmath>
#include <ctime>

namespace evbus::cli {
namespace {

volatile sig_atomic_t g_stop = 0;

void OnStopSignal(int) { g_stop = 1; }

}  // namespace

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: sleeps and waits return EINTR
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

void ResetStopHandlers() {
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
}

bool StopRequested() { return g_stop != 0; }

bool SleepUnlessStopped(double seconds) {
  if (seconds < 0) seconds = 0;
  double whole = 0;
  const double frac = std::modf(seconds, &whole);
  timespec left{static_cast<time_t>(whole), static_cast<long>(frac * 1e9)};
  while (!StopRequested()) {
    timespec rem{};
    if (nanosleep(&left, &rem) == 0) return !StopRequested();
    if (errno != EINTR) return !StopRequested();
    left = rem;
  }
  return false;
}

}  // namespace evbus::cli
