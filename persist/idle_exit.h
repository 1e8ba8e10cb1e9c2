// IdleExit: when a persister started with --exit-when-idle may stop
// (docs/persist.md, "When the last process closes the stream").
//
// The persister may stop once, for the whole idle period without a break:
//   - it has stored and synced everything the ring handed out (drained);
//   - no live producer or subscriber of the segment belongs to another
//     process (the `evbus` CLI and C++ programs that never took a lease);
//   - nobody holds a StreamUserLease (persist/stream_users.h): every process
//     that opened the stream through the launcher has closed it or died.
// At the end of the period it takes the USERS lock exclusively and checks
// again; it keeps that lock until the process exits, so a launcher that
// comes meanwhile waits for it to go and then starts a new persister. A
// USERS file that cannot be opened (the store directory was removed) holds
// no lease: the persister exits too.
//
// Thread safety: the persister's thread only.
#ifndef EVBUS_PERSIST_IDLE_EXIT_H_
#define EVBUS_PERSIST_IDLE_EXIT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "persist/stream_users.h"
#include "shm/segment.h"

namespace evbus::persist {

// The period of --exit-when-idle from its text, seconds above 0 (at most a
// million): "5", "0.5". InvalidArgument, saying what it takes, otherwise.
Result<std::chrono::nanoseconds> ParseIdlePeriod(std::string_view seconds);

class IdleExit {
 public:
  using Clock = std::chrono::steady_clock;

  IdleExit(std::string evbus_dir, std::chrono::nanoseconds period)
      : evbus_dir_(std::move(evbus_dir)), period_(period) {}

  // Called after every drain step with whether the persister is drained;
  // true when it should stop now (the exclusive USERS lock is then held
  // until this object goes). Checks the segment at most every 50 ms.
  bool ShouldStop(const shm::Segment& segment, bool drained);

 private:
  bool OthersAttached(const shm::Segment& segment) const;

  std::string evbus_dir_;
  std::chrono::nanoseconds period_;
  Clock::time_point idle_since_{};
  Clock::time_point next_check_{};
  bool idle_ = false;
  bool stopping_ = false;
  StreamUserLease exclusive_;
};

}  // namespace evbus::persist

#endif  // EVBUS_PERSIST_IDLE_EXIT_H_
