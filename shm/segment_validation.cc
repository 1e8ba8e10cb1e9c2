// ValidateHeader: what attach checks before trusting any offset in a header.
#include <algorithm>
#include <cstring>

#include "shm/segment.h"

namespace evbus::shm {
namespace {

Status Bad(std::string_view name, const std::string& what) {
  return Status::Corruption("segment '" + std::string(name) + "': " + what +
                            "; it was not written by this evbus version (or is damaged): remove "
                            "it and let the stream create it again");
}

bool Terminated(const char* s, std::size_t cap) { return std::memchr(s, '\0', cap) != nullptr; }

bool AllZero(const char* p, std::size_t n) {
  return std::all_of(p, p + n, [](char c) { return c == 0; });
}

Status Unfinished(std::string_view name, const char* what) {
  return Status::Corruption("segment '" + std::string(name) + "' " + what +
                            ": its creator stopped before finishing it (it was killed, or its "
                            "creation failed); remove it ('evbus destroy') and create the "
                            "stream again");
}

// Whether the header is an evbus header of this layout that its creator
// finished.
Status ValidateIdentity(const SegmentHeader& h, std::string_view name) {
  if (AllZero(h.magic, sizeof(h.magic)) && h.ready.load(std::memory_order_acquire) == 0) {
    return Unfinished(name, "has no header (all zero)");
  }
  if (std::memcmp(h.magic, kSegmentMagic, sizeof(kSegmentMagic)) != 0) {
    return Status::Corruption("segment '" + std::string(name) +
                              "' does not start with the evbus magic \"EVBUSSEG\"; it is not an "
                              "evbus segment (another program's shared memory?): leave it alone "
                              "or remove it if you know it is garbage");
  }
  if (h.layout_version != kLayoutVersion) {
    return Status::Corruption("segment '" + std::string(name) + "' has layout version " +
                              std::to_string(h.layout_version) + " but this build reads version " +
                              std::to_string(kLayoutVersion) +
                              "; use the evbus build that created it, or remove it");
  }
  if (h.ready.load(std::memory_order_acquire) != kReadyValue) {
    return Unfinished(name, "has a header that was never marked ready");
  }
  return Status::OK();
}

}  // namespace

// Called by attach once no creator is at work (segment.h invariant 5), so a
// header that is not ready was left unfinished.
Status ValidateHeader(const SegmentHeader& h, std::uint64_t mapped_size, std::string_view name) {
  EVBUS_RETURN_IF_ERROR(ValidateIdentity(h, name));
  if (h.header_size != sizeof(SegmentHeader)) {
    return Bad(name, "header size " + std::to_string(h.header_size) +
                         " != " + std::to_string(sizeof(SegmentHeader)));
  }
  if (h.producer_slots != kProducerSlots || h.subscriber_slots != kSubscriberSlots) {
    return Bad(name, "slot table sizes differ from this build's");
  }
  if (!IsPowerOfTwo(h.data_capacity) || h.data_capacity < 4096 || h.data_capacity > (1ull << 40) ||
      !IsPowerOfTwo(h.index_slots) || h.index_slots < 2 || h.index_slots > (1u << 28)) {
    return Bad(name, "data capacity or index slots are not powers of two in range");
  }
  if (h.max_record_size == 0 || h.max_record_size > h.data_capacity / 4) {
    return Bad(name, "max record size out of range");
  }
  RegionOffsets o = ComputeOffsets(h.data_capacity, h.index_slots);
  if (h.claim_offset != o.claim || h.wait_offset != o.wait || h.producers_offset != o.producers ||
      h.subscribers_offset != o.subscribers || h.index_offset != o.index ||
      h.data_offset != o.data || h.total_size != o.total) {
    return Bad(name, "region offsets do not match the sizes in the header");
  }
  if (mapped_size != h.total_size) {
    return Status::Corruption("segment '" + std::string(name) + "' header says " +
                              std::to_string(h.total_size) + " bytes but the object has " +
                              std::to_string(mapped_size) +
                              "; it was truncated or resized: remove it and recreate the stream");
  }
  if (!Terminated(h.stream, kNameCapacity) || !Terminated(h.user, kNameCapacity) ||
      h.abandon_timeout_ns <= 0) {
    return Bad(name, "stream/user names or abandon timeout are malformed");
  }
  return Status::OK();
}

}  // namespace evbus::shm
