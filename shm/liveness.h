// Process liveness for segment slots: an open-file-description (OFD) lock on
// one byte of the shared-memory object per slot, and process identity checks.
//
// The kernel drops an OFD lock when the last descriptor of its open file
// description closes, which includes the owner dying by any signal, so
// "the lock byte is held" means "the owner lives". Each LivenessLock opens
// its own descriptor: locks of the same description never conflict, so a
// reader in the owner's own process still sees the lock as held.
//
// Thread safety: LivenessLock is thread-compatible; the free functions are
// safe from any thread.
// Invariants:
//   1. At most one live LivenessLock holds a given byte of a given object.
//   2. A LivenessLock never outlives its descriptor (closed in the destructor).
#ifndef EVBUS_SHM_LIVENESS_H_
#define EVBUS_SHM_LIVENESS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/status.h"

namespace evbus::shm {

enum class LockState { kFree, kHeld, kUnknown };

class LivenessLock {
 public:
  LivenessLock() = default;
  ~LivenessLock();
  LivenessLock(const LivenessLock&) = delete;
  LivenessLock& operator=(const LivenessLock&) = delete;
  LivenessLock(LivenessLock&& other) noexcept;
  LivenessLock& operator=(LivenessLock&& other) noexcept;  // releases what it held

  // Opens shm object `shm_name` ("/evbus.x" form not needed: the name as
  // given to shm_open without the slash) and write-locks byte `byte` without
  // waiting. Busy if another open file description holds it.
  static Result<LivenessLock> Acquire(const std::string& shm_name, std::uint32_t byte);

  bool held() const { return fd_ >= 0; }
  void Release();

 private:
  int fd_ = -1;
  std::uint32_t byte_ = 0;
};

// Whether some open file description other than fd's holds a lock on `byte`
// (F_OFD_GETLK; works on a read-only descriptor).
LockState ProbeLock(int fd, std::uint32_t byte) noexcept;

// The start time of process `pid` in clock ticks since boot (field 22 of
// /proc/<pid>/stat), or 0 when it cannot be read (no such process).
std::uint64_t ProcessStartTicks(pid_t pid) noexcept;

// True if `pid` exists and, when start_ticks != 0, started at start_ticks
// (so a recycled pid does not count as alive).
bool ProcessAlive(pid_t pid, std::uint64_t start_ticks) noexcept;

}  // namespace evbus::shm

#endif  // EVBUS_SHM_LIVENESS_H_
