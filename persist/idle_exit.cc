#include "persist/idle_exit.h"

#include <unistd.h>

#include <cstdlib>

#include "shm/stats.h"

namespace evbus::persist {
namespace {

constexpr auto kCheckInterval = std::chrono::milliseconds(50);

}  // namespace

Result<std::chrono::nanoseconds> ParseIdlePeriod(std::string_view seconds) {
  const std::string text(seconds);
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(value > 0) || value > 1e6) {
    return Status::InvalidArgument(
        "--exit-when-idle takes a number of seconds above 0, such as 5 "
        "or 0.5; got '" +
        text + "'");
  }
  return std::chrono::nanoseconds(static_cast<std::int64_t>(value * 1e9));
}

bool IdleExit::OthersAttached(const shm::Segment& segment) const {
  const pid_t self = ::getpid();
  const shm::SegmentStats stats = shm::Snapshot(segment);
  for (const shm::ProducerStats& p : stats.producers) {
    if (p.alive && p.pid != self) return true;
  }
  for (const shm::SubscriberStats& s : stats.subscribers) {
    if (s.alive && s.pid != self) return true;
  }
  return false;
}

bool IdleExit::ShouldStop(const shm::Segment& segment, bool drained) {
  if (stopping_) return true;
  const Clock::time_point now = Clock::now();
  if (!drained) {
    idle_ = false;
    return false;
  }
  if (now < next_check_) return false;
  next_check_ = now + kCheckInterval;
  bool busy = OthersAttached(segment);
  if (!busy) {
    // Busy: a lease is held. Any other error: the USERS file cannot be
    // opened (its directory was removed), so nobody can hold a lease there.
    auto lock = StreamUserLease::TryExclusive(evbus_dir_);
    busy = !lock.ok() && lock.status().code() == Status::Code::kBusy;
    if (!busy && idle_ && now - idle_since_ >= period_ && !OthersAttached(segment)) {
      if (lock.ok()) exclusive_ = std::move(*lock);  // held until the process is gone
      stopping_ = true;
      return true;
    }
  }
  if (busy) {
    idle_ = false;
  } else if (!idle_) {
    idle_ = true;
    idle_since_ = now;
  }
  return false;
}

}  // namespace evbus::persist
