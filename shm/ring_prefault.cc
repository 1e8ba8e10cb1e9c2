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

// Loads one byte of each page of [start, start + bytes) and discards it.
// The load is an instruction the compiler does not see, so it is no access
// in the language's sense and cannot race with a producer's write of the
// same byte; it changes nothing.
void TouchPages(const char* start, std::uint64_t bytes) {
  for (std::uint64_t offset = 0; offset < bytes; offset += kPage) {
#if defined(__x86_64__)
    unsigned char byte;
    asm volatile("movb (%1), %0" : "=q"(byte) : "r"(start + offset) : "memory");
#else
    (void)__atomic_load_n(start + offset, __ATOMIC_RELAXED);
#endif
  }
}

Status Populate(char* start, std::uint64_t bytes, bool for_writing) {
  if (bytes == 0) return Status::OK();
  if (::madvise(start, bytes, for_writing ? MADV_POPULATE_WRITE : MADV_POPULATE_READ) == 0) {
    TouchPages(start, bytes);
    return Status::OK();
  }
  const int err = errno;
  if (err == EINVAL) {
    return Status::Unavailable(
        "this kernel cannot populate mappings ahead (MADV_POPULATE_READ and _WRITE need "
        "Linux 5.14); publishes and reads take their page faults as they go");
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
  const std::uint64_t capacity = segment.header().data_capacity;
  if (to <= from) return Status::OK();
  if (to - from > capacity) from = to - capacity;
  std::uint64_t begin = from / kPage * kPage;
  const std::uint64_t end = (to + kPage - 1) / kPage * kPage;
  while (begin < end) {  // at most two pieces: up to the ring's end, then from its start
    const std::uint64_t offset = begin % capacity;
    const std::uint64_t piece = std::min(end - begin, capacity - offset);
    EVBUS_RETURN_IF_ERROR(Populate(segment.data() + offset, piece, !segment.read_only()));
    begin += piece;
  }
  return Status::OK();
}

}  // namespace evbus::shm
