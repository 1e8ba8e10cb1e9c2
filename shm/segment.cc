// Segment: names, create (through an Env, under the creation lock) and
// remove. Attach is in segment_attach.cc, validation in
// segment_validation.cc, List in segment_list.cc.
#include "shm/segment.h"

#include <unistd.h>

#include <atomic>
#include <cstring>
#include <ctime>

#include "shm/body_file.h"
#include "shm/liveness.h"
#include "shm/wait.h"

namespace evbus::shm {
namespace {

constexpr std::string_view kShmDir = "/dev/shm/";

std::atomic<testing::CreationHook> g_creation_hook{nullptr};

void Pause(testing::CreationStage stage) {
  if (testing::CreationHook hook = g_creation_hook.load(std::memory_order_relaxed)) hook(stage);
}

Status ValidateOptions(const SegmentOptions& o) {
  if (!IsPowerOfTwo(o.data_capacity) || o.data_capacity < 4096 || o.data_capacity > (1ull << 40)) {
    return Status::InvalidArgument(
        "data_capacity must be a power of two between 4096 and 2^40, got " +
        std::to_string(o.data_capacity));
  }
  if (!IsPowerOfTwo(o.index_slots) || o.index_slots < 2 || o.index_slots > (1u << 28)) {
    return Status::InvalidArgument("index_slots must be a power of two between 2 and 2^28, got " +
                                   std::to_string(o.index_slots));
  }
  if (o.max_record_size == 0 || o.max_record_size > o.data_capacity / 4) {
    return Status::InvalidArgument("max_record_size must be between 1 and data_capacity/4 (" +
                                   std::to_string(o.data_capacity / 4) + "), got " +
                                   std::to_string(o.max_record_size));
  }
  if (o.abandon_timeout_ns <= 0) {
    return Status::InvalidArgument("abandon_timeout_ns must be positive");
  }
  if ((o.mode & ~0777u) != 0) return Status::InvalidArgument("mode must be permission bits (0777)");
  return Status::OK();
}

Status ValidateNames(std::string_view stream, std::string_view user) {
  Status s = ValidateNamePart(stream, "stream name");
  if (s.ok() && !user.empty()) s = ValidateNamePart(user, "user name");
  return s;
}

void CopyName(char* dst, std::string_view src) {
  std::memset(dst, 0, kNameCapacity);
  std::memcpy(dst, src.data(), src.size());
}

std::int64_t WallNanos() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// A failed Create after the object was created: the object is removed (the
// creation lock is still held, so no attacher has trusted it) and the error
// says what failed and that nothing was left.
Status Discard(Env* env, MappableFile* file, const std::string& name, const Status& why) {
  const Status closed = file->Close();  // idempotent; the first error is the one to report
  const Status removed = env->RemoveFile(SegmentPath(name));
  std::string after = "; nothing was left behind (the half-made object was removed)";
  if (!removed.ok()) {
    after = "; removing the half-made object failed too (" + removed.message() +
            "): remove it ('evbus destroy') before creating the stream again";
  } else if (!closed.ok() && closed.message() != why.message()) {
    after += "; closing it also failed: " + closed.message();
  }
  return AddContext(why, "cannot create segment '" + name + "': ", after);
}

}  // namespace

namespace testing {
void SetCreationHook(CreationHook hook) { g_creation_hook.store(hook, std::memory_order_relaxed); }
}  // namespace testing

Status ValidateNamePart(std::string_view part, std::string_view what) {
  if (part.empty() || part.size() > 64) {
    return Status::InvalidArgument(std::string(what) + " must be 1 to 64 characters, got " +
                                   std::to_string(part.size()));
  }
  for (std::size_t i = 0; i < part.size(); ++i) {
    char c = part[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument(std::string(what) + " '" + std::string(part) +
                                     "' has a character outside [A-Za-z0-9._-] at position " +
                                     std::to_string(i));
    }
  }
  return Status::OK();
}

std::string SegmentName(std::string_view stream, std::string_view user) {
  // ':' is not allowed in a name part, so "evbus.a:b.c" (user "a", stream
  // "b.c") can never be taken for "evbus.a.b:c" or for a stream without a user.
  std::string name = "evbus.";
  if (!user.empty()) {
    name += user;
    name += ':';
  }
  name += stream;
  return name;
}

std::string SegmentPath(std::string_view shm_name) {
  std::string path(kShmDir);
  path += shm_name;
  return path;
}

Status Segment::EnvError(const Status& s, const std::string& name) {
  switch (s.code()) {
    case Status::Code::kAlreadyExists:
      return Status::AlreadyExists("segment '" + name +
                                   "' already exists; open it, or remove it first if it is stale");
    case Status::Code::kNotFound:
      return Status::NotFound("segment '" + name + "' does not exist; create it first");
    case Status::Code::kPermissionDenied:
      return Status::PermissionDenied("no permission on segment '" + name +
                                      "'; it belongs to another user (segments are 0600)");
    default:
      return AddContext(s, "segment '" + name + "': ", "");
  }
}

Segment::~Segment() {
  if (fd_ >= 0) ::close(fd_);  // read-only and lock-free: nothing to lose
}

Result<std::unique_ptr<Segment>> Segment::Create(std::string_view stream, std::string_view user,
                                                 const SegmentOptions& options) {
  EVBUS_RETURN_IF_ERROR(ValidateNames(stream, user));
  EVBUS_RETURN_IF_ERROR(ValidateOptions(options));
  Env* env = options.env != nullptr ? options.env : Env::Default();
  const std::string name = SegmentName(stream, user);
  auto file = env->OpenMappableFile(SegmentPath(name), MapOpenMode::kCreateExclusive,
                                    static_cast<mode_t>(options.mode));
  if (!file.ok()) return EnvError(file.status(), name);
  // Invariant 4: from here on a failure removes the object, and attachers
  // wait while `creating` is held.
  auto seg = std::unique_ptr<Segment>(new Segment());
  seg->shm_name_ = name;
  const RegionOffsets off = ComputeOffsets(options.data_capacity, options.index_slots);
  auto creating = LivenessLock::Acquire(name, kCreationLockByte);
  Status s = creating.status();
  if (s.ok()) s = seg->SizeAndMap(file->get(), options, off.total);
  if (s.ok()) s = seg->OpenProbe();
  if (!s.ok()) return Discard(env, file->get(), name, s);
  seg->WriteHeader(stream, user, options);
  creating->Release();
  return seg;
}

Status Segment::SizeAndMap(MappableFile* file, const SegmentOptions& options, std::uint64_t total) {
  Pause(testing::CreationStage::kCreated);
  EVBUS_RETURN_IF_ERROR(file->SetMode(static_cast<mode_t>(options.mode)));  // whatever the umask
  EVBUS_RETURN_IF_ERROR(file->Resize(total));  // new bytes read as zero
  auto region = file->Map(static_cast<std::size_t>(total));
  if (!region.ok()) return region.status();
  region_ = std::move(*region);
  base_ = static_cast<char*>(region_.data());
  size_ = total;
  return file->Close();  // the mapping stays
}

void Segment::WriteHeader(std::string_view stream, std::string_view user,
                          const SegmentOptions& options) {
  Pause(testing::CreationStage::kSized);
  const RegionOffsets off = ComputeOffsets(options.data_capacity, options.index_slots);
  auto* h = reinterpret_cast<SegmentHeader*>(base_);  // zero-filled by the resize
  std::memcpy(h->magic, kSegmentMagic, sizeof(kSegmentMagic));
  h->layout_version = kLayoutVersion;
  h->header_size = sizeof(SegmentHeader);
  Pause(testing::CreationStage::kHeaderPartlyWritten);
  h->total_size = off.total;
  h->data_capacity = options.data_capacity;
  h->index_slots = options.index_slots;
  h->max_record_size = options.max_record_size;
  h->producer_slots = kProducerSlots;
  h->subscriber_slots = kSubscriberSlots;
  h->claim_offset = off.claim;
  h->wait_offset = off.wait;
  h->producers_offset = off.producers;
  h->subscribers_offset = off.subscribers;
  h->index_offset = off.index;
  h->data_offset = off.data;
  h->creator_pid = static_cast<std::int32_t>(::getpid());
  h->created_ns = WallNanos();
  h->abandon_timeout_ns = options.abandon_timeout_ns;
  h->creator_start_ticks = ProcessStartTicks(::getpid());
  CopyName(h->stream, stream);
  CopyName(h->user, user);
  // SYNC POINT WRITE: header.ready -- every header field and region is initialised.
  h->ready.store(kReadyValue, std::memory_order_release);
  FutexWakeAll(&h->ready);  // attachers waiting for it (segment_attach.cc)
  header_ = h;
}

Result<std::unique_ptr<Segment>> Segment::Open(std::string_view stream, std::string_view user) {
  EVBUS_RETURN_IF_ERROR(ValidateNames(stream, user));
  return AttachByName(SegmentName(stream, user), /*read_only=*/false);
}

Result<std::unique_ptr<Segment>> Segment::OpenReadOnly(std::string_view stream,
                                                       std::string_view user) {
  EVBUS_RETURN_IF_ERROR(ValidateNames(stream, user));
  return AttachByName(SegmentName(stream, user), /*read_only=*/true);
}

std::uint32_t Segment::FreeSubscriberSlots() const {
  std::uint32_t free = 0;
  for (std::uint32_t i = 0; i < kSubscriberSlots; ++i) {
    // A snapshot: relaxed, since nothing is read through the slot.
    if (subscriber_slot(i)->owner_pid.load(std::memory_order_relaxed) == 0) ++free;
  }
  return free;
}

Status Segment::Remove(std::string_view stream, std::string_view user) {
  EVBUS_RETURN_IF_ERROR(ValidateNames(stream, user));
  const std::string name = SegmentName(stream, user);
  const Status s = Env::Default()->RemoveFile(SegmentPath(name));
  RemoveAllBodies(name);  // big events' bodies (shm/body_file.h) go with it
  if (s.IsNotFound()) {
    return Status::NotFound("segment '" + name + "' does not exist (or is not yours to remove)");
  }
  return s.ok() ? s : EnvError(s, name);
}

}  // namespace evbus::shm
