#include "bridge/local_segment.h"

#include "shm/atomic128.h"
#include "shm/layout.h"

namespace evbus::bridge {

Result<std::unique_ptr<shm::Segment>> OpenOrCreateSegment(const std::string& session_id,
                                                          const std::string& user,
                                                          const shm::SegmentOptions& options) {
  auto opened = shm::Segment::Open(session_id, user);
  if (opened.ok() || !opened.status().IsNotFound()) return opened;
  auto created = shm::Segment::Create(session_id, user, options);
  if (created.status().code() == Status::Code::kAlreadyExists) {
    return shm::Segment::Open(session_id, user);  // another creator won
  }
  return created;
}

std::uint64_t SegmentHead(const shm::Segment& segment) {
  return shm::LoadHalfAcquire(&segment.claim()->next_id);
}

Status StartSegmentAt(shm::Segment* segment, std::uint64_t first) {
  if (SegmentHead(*segment) == first) return Status::OK();
  auto* header = const_cast<shm::SegmentHeader*>(&segment->header());
  auto* word = reinterpret_cast<shm::Pair64*>(segment->claim());
  shm::Pair64 expected{0, 0};
  // SYNC POINT WRITE: claim word. The first id is stored before the claim
  // word moves, so a reader that sees the new head also sees first_id.
  header->first_id.store(first, std::memory_order_release);
  if (shm::Cas128(word, &expected, shm::Pair64{first, 0})) return Status::OK();
  return Status::InvalidArgument(
      "local segment '" + segment->shm_name() + "' already holds ids up to " +
      std::to_string(expected.lo == 0 ? 0 : expected.lo - 1) +
      " but the origin's subject starts at id " + std::to_string(first) +
      ": it is another stream; destroy it (evbus destroy) or bridge into another sid");
}

}  // namespace evbus::bridge
