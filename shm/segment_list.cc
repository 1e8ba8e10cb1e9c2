// Segment::List: every "evbus.*" shared-memory object with who is using it.
#include <dirent.h>

#include <algorithm>

#include "shm/liveness.h"
#include "shm/segment.h"

namespace evbus::shm {
namespace {

constexpr const char* kShmDir = "/dev/shm";
constexpr std::string_view kPrefix = "evbus.";

void CountSlots(const Segment& seg, SegmentInfo* info) {
  for (std::uint32_t i = 0; i < kProducerSlots; ++i) {
    if (ProbeLock(seg.fd(), ProducerLockByte(i)) == LockState::kHeld) ++info->live_producers;
  }
  for (std::uint32_t i = 0; i < kSubscriberSlots; ++i) {
    const SubscriberSlot* s = seg.subscriber_slot(i);
    if (s->durable.load(std::memory_order_relaxed) != 0) ++info->durable_subscribers;
    if (ProbeLock(seg.fd(), SubscriberLockByte(i)) == LockState::kHeld) ++info->live_subscribers;
  }
}

}  // namespace

std::vector<SegmentInfo> Segment::List() {
  std::vector<SegmentInfo> out;
  DIR* dir = ::opendir(kShmDir);
  if (dir == nullptr) return out;
  std::vector<std::string> names;
  while (struct dirent* e = ::readdir(dir)) {
    std::string_view n(e->d_name);
    if (n.substr(0, kPrefix.size()) == kPrefix) names.emplace_back(n);
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    SegmentInfo info;
    info.shm_name = name;
    auto seg = AttachByName(name, /*read_only=*/true);
    if (!seg.ok()) {
      info.error = seg.status().ToString();
      out.push_back(std::move(info));
      continue;
    }
    const SegmentHeader& h = (*seg)->header();
    info.valid = true;
    info.stream = h.stream;
    info.user = h.user;
    info.size_bytes = (*seg)->size_bytes();
    info.creator_pid = h.creator_pid;
    info.creator_alive = ProcessAlive(h.creator_pid, h.creator_start_ticks);
    CountSlots(**seg, &info);
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace evbus::shm
