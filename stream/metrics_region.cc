#include "stream/metrics_region.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
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
Result<std::unique_ptr<MappableFile>> CreateFile(Env* env, const std::string& path) {
  auto file = env->OpenMappableFile(path, MapOpenMode::kCreateExclusive, kOwnerOnlyFileMode);
  if (file.status().code() != Status::Code::kAlreadyExists) return file;
  EVBUS_RETURN_IF_ERROR(env->RemoveFile(path));  // ours by name: its owner (this pid) is dead
  return env->OpenMappableFile(path, MapOpenMode::kCreateExclusive, kOwnerOnlyFileMode);
}

// The new file, owner-only whatever the umask, sized and mapped; closed
// (the mapping stays). A failed step is returned; the caller removes the file.
Result<MappedRegion> SizeAndMap(MappableFile* file, std::size_t size) {
  Status s = file->SetMode(kOwnerOnlyFileMode);
  if (s.ok()) s = file->Resize(size);  // zero-filled
  Result<MappedRegion> mapped = s.ok() ? file->Map(size) : Result<MappedRegion>(s);
  const Status closed = file->Close();
  if (!mapped.ok()) return mapped;
  if (!closed.ok()) return closed;  // unmapped with `mapped`
  return mapped;
}

// Writes the header and frees every record: the region is ready to read.
void Initialise(void* base, std::string_view session_id, std::string_view user_id) {
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
                                                             std::string_view user_id, Env* env) {
  if (env == nullptr) env = Env::Default();
  const std::uint32_t instance = next_instance.fetch_add(1, std::memory_order_relaxed);
  const std::string path = PathFor(session_id, user_id, ::getpid(), instance);
  auto file = CreateFile(env, path);
  Result<MappedRegion> mapped = file.ok()
                                    ? SizeAndMap(file->get(), ml::FileSize(ml::kRecordCapacity))
                                    : Result<MappedRegion>(file.status());
  if (!mapped.ok()) {
    if (file.ok()) (void)env->RemoveFile(path);  // ours, half made: the cause is what matters
    return AddContext(mapped.status(), "cannot make the metrics file '" + path + "': ",
                      "; check that /dev/shm is mounted, writable and not full");
  }
  Initialise(mapped->data(), session_id, user_id);
  return std::shared_ptr<MetricsRegion>(new MetricsRegion(path, env, std::move(*mapped)));
}

MetricsRegion::MetricsRegion(std::string path, Env* env, MappedRegion region)
    : path_(std::move(path)),
      env_(env),
      region_(std::move(region)),
      header_(static_cast<ml::FileHeader*>(region_.data())) {}

MetricsRegion::~MetricsRegion() { (void)Unlink(); }  // region_ unmaps

Status MetricsRegion::Unlink() {
  std::lock_guard<std::mutex> lock(unlink_mu_);
  if (unlinked_) return Status::OK();
  unlinked_ = true;
  return AddContext(env_->RemoveFile(path_), "cannot remove the metrics file: ",
                    " (evbus inspect removes it once this process is gone)");
}

CallbackSlot MetricsRegion::Acquire(SubscriberId subscriber_id, std::string_view callback_id) {
  CallbackSlot slot;
  slot.region_ = shared_from_this();
  auto* records = reinterpret_cast<ml::CallbackRecord*>(static_cast<char*>(region_.data()) +
                                                        sizeof(ml::FileHeader));
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
