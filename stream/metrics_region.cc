#include "stream/metrics_region.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <new>
#include <utility>

#include "core/timestamp.h"
#include "shm/liveness.h"

namespace evbus {
namespace {

namespace ml = metrics_layout;

std::atomic<std::uint32_t> next_instance{0};  // per process: distinct file names

void CopyName(std::string_view name, char* out) {
  const std::size_t n = std::min(name.size(), ml::kNameBytes - 1);
  std::memcpy(out, name.data(), n);
}

// Creates the file exclusively; a file of the same name left by a dead
// process whose pid we now have is replaced once.
Result<int> CreateFile(const std::string& path) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    if (errno != EEXIST || attempt == 1) break;
    (void)::unlink(path.c_str());  // ours by name: its owner (this pid) is dead
  }
  return Status::IOError("cannot create the metrics file '" + path + "': " + std::strerror(errno) +
                         "; check that /dev/shm is mounted and writable");
}

}  // namespace

std::string MetricsRegion::PathFor(std::string_view session_id, std::string_view user_id,
                                   std::int64_t pid, std::uint32_t instance) {
  std::string path(ml::kDir);
  path += ml::kFilePrefix;
  if (!user_id.empty()) {
    path += user_id;
    path += ':';  // as segment and secrets names: not allowed in a name
  }
  path += session_id;
  path += '.';
  path += std::to_string(pid);
  if (instance > 0) path += '.' + std::to_string(instance);
  return path;
}

Result<std::shared_ptr<MetricsRegion>> MetricsRegion::Create(std::string_view session_id,
                                                             std::string_view user_id) {
  const std::uint32_t instance = next_instance.fetch_add(1, std::memory_order_relaxed);
  const std::string path = PathFor(session_id, user_id, ::getpid(), instance);
  auto fd = CreateFile(path);
  if (!fd.ok()) return fd.status();
  const std::size_t size = ml::FileSize(ml::kRecordCapacity);
  void* base = MAP_FAILED;
  if (::ftruncate(*fd, static_cast<off_t>(size)) == 0) {
    base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, *fd, 0);
  }
  const int saved_errno = errno;
  ::close(*fd);
  if (base == MAP_FAILED) {
    (void)::unlink(path.c_str());
    return Status::IOError("cannot size or map the metrics file '" + path +
                           "': " + std::strerror(saved_errno) + "; is /dev/shm full?");
  }
  // The file is zero-filled: records start free, counters at 0.
  auto* header = new (base) ml::FileHeader();
  for (std::uint32_t i = 0; i < ml::kRecordCapacity; ++i) {
    new (static_cast<char*>(base) + sizeof(ml::FileHeader) + i * sizeof(ml::CallbackRecord))
        ml::CallbackRecord();
  }
  header->layout_version = ml::kLayoutVersion;
  header->header_size = sizeof(ml::FileHeader);
  header->record_size = sizeof(ml::CallbackRecord);
  header->record_capacity = ml::kRecordCapacity;
  header->pid = static_cast<std::int32_t>(::getpid());
  header->start_ticks = shm::ProcessStartTicks(::getpid());
  header->created_unix_ns = NowNanos();
  CopyName(session_id, header->session_id);
  CopyName(user_id, header->user_id);
  // SYNC POINT WRITE: metrics.magic -- a reader that sees the magic sees the
  // whole header above.
  header->magic.store(ml::kMagic, std::memory_order_release);
  return std::shared_ptr<MetricsRegion>(new MetricsRegion(path, base, size));
}

MetricsRegion::MetricsRegion(std::string path, void* base, std::size_t size)
    : path_(std::move(path)),
      base_(base),
      size_(size),
      header_(static_cast<ml::FileHeader*>(base)) {}

MetricsRegion::~MetricsRegion() {
  Unlink();
  ::munmap(base_, size_);
}

void MetricsRegion::Unlink() {
  std::lock_guard<std::mutex> lock(unlink_mu_);
  if (unlinked_) return;
  unlinked_ = true;
  (void)::unlink(path_.c_str());
}

CallbackSlot MetricsRegion::Acquire(SubscriberId subscriber_id, std::string_view callback_id) {
  CallbackSlot slot;
  slot.region_ = shared_from_this();
  auto* records =
      reinterpret_cast<ml::CallbackRecord*>(static_cast<char*>(base_) + sizeof(ml::FileHeader));
  for (std::uint32_t i = 0; i < ml::kRecordCapacity; ++i) {
    ml::CallbackRecord& r = records[i];
    std::uint64_t w = r.state_word.load(std::memory_order_relaxed);
    if ((w & ml::kStateMask) != ml::kStateFree) continue;
    const std::uint64_t generation = (w >> 2) + 1;
    if (!r.state_word.compare_exchange_strong(w, generation << 2 | ml::kStateWriting,
                                              std::memory_order_acquire,
                                              std::memory_order_relaxed)) {
      continue;
    }
    r.counters.Reset();
    const std::size_t n = std::min(callback_id.size(), ml::kMaxCallbackIdBytes);
    std::atomic_ref<std::uint32_t>(r.subscriber_id)
        .store(static_cast<std::uint32_t>(subscriber_id), std::memory_order_relaxed);
    std::atomic_ref<std::uint32_t>(r.callback_id_length)
        .store(static_cast<std::uint32_t>(n), std::memory_order_relaxed);
    for (std::size_t c = 0; c < ml::kMaxCallbackIdBytes; ++c) {
      std::atomic_ref<char>(r.callback_id[c])
          .store(c < n ? callback_id[c] : '\0', std::memory_order_relaxed);
    }
    // SYNC POINT WRITE: metrics.record -- a reader that sees this generation
    // live sees its identity and zeroed counters.
    r.state_word.store(generation << 2 | ml::kStateLive, std::memory_order_release);
    slot.record_ = &r;
    slot.counters_ = &r.counters;
    return slot;
  }
  header_->counters.unpublished.fetch_add(1, std::memory_order_relaxed);
  slot.local_ = std::make_unique<CallbackCounters>();
  slot.counters_ = slot.local_.get();
  return slot;
}

CallbackSlot::~CallbackSlot() { Release(); }

CallbackSlot::CallbackSlot(CallbackSlot&& other) noexcept { *this = std::move(other); }

CallbackSlot& CallbackSlot::operator=(CallbackSlot&& other) noexcept {
  if (this == &other) return *this;
  Release();
  region_ = std::move(other.region_);
  record_ = std::exchange(other.record_, nullptr);
  local_ = std::move(other.local_);
  counters_ = std::exchange(other.counters_, nullptr);
  return *this;
}

void CallbackSlot::Release() noexcept {
  if (record_ != nullptr) {
    const std::uint64_t w = record_->state_word.load(std::memory_order_relaxed);
    record_->state_word.store((w & ~ml::kStateMask) | ml::kStateFree, std::memory_order_release);
    record_ = nullptr;
  } else if (local_ != nullptr && region_ != nullptr) {
    region_->stream()->unpublished.fetch_sub(1, std::memory_order_relaxed);
  }
  local_.reset();
  counters_ = nullptr;
  region_.reset();
}

}  // namespace evbus
