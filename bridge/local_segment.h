// The local segment bridge in writes: kept at the origin's ids. A segment
// nobody has published to is moved to start at the origin's first id (its
// claim word {0,0} -> {first,0} and SegmentHeader::first_id, as a stream
// segment is moved after its store). (An id the origin has no event for is
// claimed with no bytes and abandoned by bridge in's producer,
// shm::Producer::PublishAbandoned, so local readers report it as the
// origin's do.) See docs/multi-host.md ("Exactly once, in").
//
// Thread safety: any thread; the caller is the segment's only producer (bridge
// in's), which the functions check through the claim word.
#ifndef EVBUS_BRIDGE_LOCAL_SEGMENT_H_
#define EVBUS_BRIDGE_LOCAL_SEGMENT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "shm/segment.h"

namespace evbus::bridge {

// Attaches to the stream's segment, or creates it with `options` when missing.
Result<std::unique_ptr<shm::Segment>> OpenOrCreateSegment(const std::string& session_id,
                                                          const std::string& user,
                                                          const shm::SegmentOptions& options);

// The next id the segment hands out (acquire).
std::uint64_t SegmentHead(const shm::Segment& segment);

// Moves a segment that has handed out no id yet to start at `first`. OK when
// its head already is `first`; an error naming both ids otherwise.
Status StartSegmentAt(shm::Segment* segment, std::uint64_t first);

}  // namespace evbus::bridge

#endif  // EVBUS_BRIDGE_LOCAL_SEGMENT_H_
