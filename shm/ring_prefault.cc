#include "shm/ring_prefault.h"

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "shm/atomic128.h"

namespace evbus::shm {
namespace {

constexpr std::uint64_t kPage = 4096;  // the data ring starts on a page (layout.h)

Status Populate(char* start, std::uint64_t bytes) {
  if (bytes == 0) return Status::OK();
  if (::madvise(start, bytes, MADV_POPULATE_WRITE) == 0) return Status::OK();
  const int err = errno;
  if (err == EINVAL) {
    return Status::Unavailable(
        "this kernel cannot populate mappings ahead (MADV_POPULATE_WRITE needs Linux 5.14); "
        "publishes take their page faults as they go");
  }
  return Status::IOError("cannot populate the data ring: " + std::string(std::strerror(err)));
}

}  // namespace

std::uint64_t DataTailHint(const Segment& segment) {
  // SYNC POINT READ: claim.tail -- only decides how far ahead to populate;
  // populating any page early or late is harmless.
  return LoadHalfAcquire(&segment.claim()->tail);
}

Status PopulateDataRing(const Segment& segment, std::uint64_t from, std::uint64_t to) {
  if (segment.read_only()) {
    return Status::InvalidArgument(
        "a read-only segment's ring cannot be populated for writing; open it read-write");
  }
  const std::uint64_t capacity = segment.header().data_capacity;
  if (to <= from) return Status::OK();
  if (to - from > capacity) from = to - capacity;
  std::uint64_t begin = from / kPage * kPage;
  const std::uint64_t end = (to + kPage - 1) / kPage * kPage;
  while (begin < end) {  // at most two pieces: up to the ring's end, then from its start
    const std::uint64_t offset = begin % capacity;
    const std::uint64_t piece = std::min(end - begin, capacity - offset);
    EVBUS_RETURN_IF_ERROR(Populate(segment.data() + offset, piece));
    begin += piece;
  }
  return Status::OK();
}

}  // namespace evbus::shm
