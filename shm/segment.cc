// Segment: create/attach/validate/remove/list through Boost.Interprocess
// (shared_memory_object + mapped_region; no managed heap in the segment).
#include "shm/segment.h"

#include <sys/stat.h>
#include <unistd.h>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cstring>
#include <ctime>

#include "shm/liveness.h"
#include "shm/wait.h"

namespace evbus::shm {
namespace bip = boost::interprocess;

struct Segment::Mapping {
  bip::shared_memory_object object;
  bip::mapped_region region;
};

namespace {

constexpr std::int64_t kCreationWaitNs = 500'000'000;

Status FromBoost(const bip::interprocess_exception& e, const std::string& name) {
  switch (e.get_error_code()) {
    case bip::already_exists_error:
      return Status::AlreadyExists("segment '" + name +
                                   "' already exists; open it, or remove it first if it is stale");
    case bip::not_found_error:
      return Status::NotFound("segment '" + name + "' does not exist; create it first");
    case bip::security_error:
      return Status::PermissionDenied("no permission on segment '" + name +
                                      "'; it belongs to another user (segments are 0600)");
    default:
      return Status::IOError("segment '" + name + "': " + e.what());
  }
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

}  // namespace

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

Segment::~Segment() = default;

Status Segment::Create(std::string_view stream, std::string_view user,
                       const SegmentOptions& options, std::unique_ptr<Segment>* out) {
  Status s = ValidateNames(stream, user);
  if (s.ok()) s = ValidateOptions(options);
  if (!s.ok()) return s;
  std::string name = SegmentName(stream, user);
  RegionOffsets off = ComputeOffsets(options.data_capacity, options.index_slots);
  auto seg = std::unique_ptr<Segment>(new Segment());
  try {
    auto m = std::make_unique<Mapping>();
    m->object = bip::shared_memory_object(bip::create_only, name.c_str(), bip::read_write,
                                          bip::permissions(options.mode));
    int fd = m->object.get_mapping_handle().handle;
    ::fchmod(fd, static_cast<mode_t>(options.mode));  // exact mode, whatever the umask
    m->object.truncate(static_cast<bip::offset_t>(off.total));
    m->region = bip::mapped_region(m->object, bip::read_write);
    seg->base_ = static_cast<char*>(m->region.get_address());
    seg->fd_ = fd;
    seg->mapping_ = std::move(m);
  } catch (const bip::interprocess_exception& e) {
    if (seg->mapping_ == nullptr && e.get_error_code() != bip::already_exists_error) {
      bip::shared_memory_object::remove(name.c_str());
    }
    return FromBoost(e, name);
  }
  seg->size_ = off.total;
  seg->shm_name_ = name;
  auto* h = reinterpret_cast<SegmentHeader*>(seg->base_);  // zero-filled by truncate
  std::memcpy(h->magic, kSegmentMagic, sizeof(kSegmentMagic));
  h->layout_version = kLayoutVersion;
  h->header_size = sizeof(SegmentHeader);
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
  seg->header_ = h;
  *out = std::move(seg);
  return Status::OK();
}

Status Segment::Open(std::string_view stream, std::string_view user,
                     std::unique_ptr<Segment>* out) {
  EVBUS_RETURN_IF_ERROR(ValidateNames(stream, user));
  return AttachByName(SegmentName(stream, user), /*read_only=*/false, out);
}

Status Segment::OpenReadOnly(std::string_view stream, std::string_view user,
                             std::unique_ptr<Segment>* out) {
  EVBUS_RETURN_IF_ERROR(ValidateNames(stream, user));
  return AttachByName(SegmentName(stream, user), /*read_only=*/true, out);
}

Status Segment::Remove(std::string_view stream, std::string_view user) {
  EVBUS_RETURN_IF_ERROR(ValidateNames(stream, user));
  std::string name = SegmentName(stream, user);
  if (!bip::shared_memory_object::remove(name.c_str())) {
    return Status::NotFound("segment '" + name + "' does not exist (or is not yours to remove)");
  }
  return Status::OK();
}

Status Segment::AttachByName(const std::string& name, bool read_only,
                             std::unique_ptr<Segment>* out) {
  auto seg = std::unique_ptr<Segment>(new Segment());
  bip::mode_t mode = read_only ? bip::read_only : bip::read_write;
  try {
    auto m = std::make_unique<Mapping>();
    m->object = bip::shared_memory_object(bip::open_only, name.c_str(), mode);
    bip::offset_t size = 0;
    std::int64_t deadline = MonotonicNanos() + kCreationWaitNs;
    // A creator truncates right after creating: wait briefly for a size.
    while (m->object.get_size(size) && size == 0 && MonotonicNanos() < deadline) YieldThread();
    if (static_cast<std::uint64_t>(size) < sizeof(SegmentHeader)) {
      return Status::Corruption("segment '" + name + "' is " + std::to_string(size) +
                                " bytes, smaller than an evbus header (" +
                                std::to_string(sizeof(SegmentHeader)) +
                                "); it is truncated or not an evbus segment: remove it");
    }
    m->region = bip::mapped_region(m->object, mode);
    seg->base_ = static_cast<char*>(m->region.get_address());
    seg->size_ = static_cast<std::uint64_t>(size);
    seg->fd_ = m->object.get_mapping_handle().handle;
    seg->mapping_ = std::move(m);
  } catch (const bip::interprocess_exception& e) {
    return FromBoost(e, name);
  }
  seg->shm_name_ = name;
  seg->read_only_ = read_only;
  auto* h = reinterpret_cast<SegmentHeader*>(seg->base_);
  if (std::memcmp(h->magic, kSegmentMagic, sizeof(kSegmentMagic)) == 0) {
    std::int64_t deadline = MonotonicNanos() + kCreationWaitNs;
    // SYNC POINT READ: header.ready -- the creator's initialisation is visible.
    while (h->ready.load(std::memory_order_acquire) != kReadyValue && MonotonicNanos() < deadline) {
      YieldThread();
    }
  }
  EVBUS_RETURN_IF_ERROR(ValidateHeader(*h, seg->size_, name));
  seg->header_ = h;
  *out = std::move(seg);
  return Status::OK();
}

}  // namespace evbus::shm
