// Segment attach (Open, OpenReadOnly, List): open through the Env, wait for a
// creator that is still initialising (invariant 5 of shm/segment.h), map,
// validate.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "shm/liveness.h"
#include "shm/segment.h"
#include "shm/wait.h"

namespace evbus::shm {
namespace {

// How often a waiting attacher re-checks that the creator still lives.
constexpr std::int64_t kCreatorCheckNs = 10'000'000;
// How long it sleeps between looks at the size of an object not sized yet.
constexpr std::int64_t kSizePollNs = 1'000'000;

void SleepNanos(std::int64_t ns) {
  struct timespec ts {
    static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)
  };
  ::nanosleep(&ts, nullptr);
}

std::string Millis(std::int64_t ns) { return std::to_string(ns / 1'000'000) + " ms"; }

Status StillCreating(const std::string& name, const char* what) {
  return Status::Unavailable("segment '" + name + "' is still being created: its creator holds " +
                             "the creation lock and has not " + what + " after " +
                             Millis(kAttachWaitNs) +
                             "; retry, or look for a creator process that is stuck");
}

}  // namespace

Status Segment::OpenProbe() {
  const std::string path = SegmentPath(shm_name_);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd_ < 0) return EnvError(PosixError("cannot open", path, errno), shm_name_);
  return Status::OK();
}

Result<std::unique_ptr<Segment>> Segment::AttachByName(const std::string& name, bool read_only) {
  auto seg = std::unique_ptr<Segment>(new Segment());
  seg->shm_name_ = name;
  seg->read_only_ = read_only;
  auto file = Env::Default()->OpenMappableFile(
      SegmentPath(name), read_only ? MapOpenMode::kReadOnly : MapOpenMode::kReadWrite, 0);
  if (!file.ok()) return EnvError(file.status(), name);
  EVBUS_RETURN_IF_ERROR(seg->OpenProbe());
  const std::int64_t deadline = MonotonicNanos() + kAttachWaitNs;
  EVBUS_RETURN_IF_ERROR(seg->MapExisting(file->get(), deadline));
  EVBUS_RETURN_IF_ERROR(seg->WaitUntilReady(deadline));
  auto* h = reinterpret_cast<SegmentHeader*>(seg->base_);
  EVBUS_RETURN_IF_ERROR(ValidateHeader(*h, seg->size_, name));
  seg->header_ = h;
  return seg;
}

// Waits (bounded) for a size that holds a header, then maps the object. A
// creator sizes the object right after creating it and taking the lock; an
// object of size 0 whose lock is free may be in that gap, so it gets the
// whole wait before it is called empty.
Status Segment::MapExisting(MappableFile* file, std::int64_t deadline_ns) {
  while (true) {
    auto info = file->Stat();
    if (!info.ok()) return EnvError(info.status(), shm_name_);
    size_ = info->size;
    if (size_ >= sizeof(SegmentHeader)) break;
    const bool creating = ProbeLock(fd_, kCreationLockByte) == LockState::kHeld;
    if (creating && MonotonicNanos() >= deadline_ns) return StillCreating(shm_name_, "sized it");
    if (!creating && (size_ != 0 || MonotonicNanos() >= deadline_ns)) {
      return Status::Corruption(
          "segment '" + shm_name_ + "' is " + std::to_string(size_) +
          " bytes, smaller than an evbus header (" + std::to_string(sizeof(SegmentHeader)) +
          "): its creator stopped before sizing it (killed, or its creation failed), or it is "
          "not an evbus segment; remove it ('evbus destroy') and create the stream again");
    }
    SleepNanos(kSizePollNs);
  }
  auto region = file->Map(static_cast<std::size_t>(size_));
  if (!region.ok()) return EnvError(region.status(), shm_name_);
  region_ = std::move(*region);
  base_ = static_cast<char*>(region_.data());
  const Status closed = file->Close();  // the mapping stays
  return closed.ok() ? closed : EnvError(closed, shm_name_);
}

// Invariant 5: while the creation lock is held, nothing but `ready` is read;
// the wait sleeps on `ready` (the creator wakes it) in slices that re-check
// the lock. Once the lock is free the creator is done or gone, and
// ValidateHeader says what is wrong if it did not finish.
Status Segment::WaitUntilReady(std::int64_t deadline_ns) const {
  const auto* h = reinterpret_cast<const SegmentHeader*>(base_);
  while (true) {
    // SYNC POINT READ: header.ready -- the creator's initialisation is visible.
    const std::uint32_t ready = h->ready.load(std::memory_order_acquire);
    if (ready == kReadyValue) return Status::OK();
    if (ProbeLock(fd_, kCreationLockByte) != LockState::kHeld) return Status::OK();
    const std::int64_t now = MonotonicNanos();
    if (now >= deadline_ns) return StillCreating(shm_name_, "finished its header");
    FutexWait(&h->ready, ready, std::min(deadline_ns - now, kCreatorCheckNs));
  }
}

}  // namespace evbus::shm
