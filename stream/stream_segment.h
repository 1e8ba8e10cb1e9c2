// Opening a stream's segment for an EventStream: attach, or create it (and
// the conversation directory) when missing, starting its ids after what the
// store already holds, under a file lock every EventStream Open takes.
//
// Why the lock: a segment created for a stream that has a store must hand
// out ids from the store's next id on. Segment::Create starts at 0, so the
// creator moves the claim word ({0,0} -> {next,0}) and sets
// SegmentHeader::first_id before any other EventStream may attach; the lock
// (<conversation dir>/evbus/SEGMENT.lock) makes "attach" wait for that.
//
// Thread safety: any thread; the lock (an open-file-description lock, through
// the stream's Env) serialises processes and threads.
#ifndef EVBUS_STREAM_STREAM_SEGMENT_H_
#define EVBUS_STREAM_STREAM_SEGMENT_H_

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "shm/segment.h"
#include "stream/stream_options.h"

namespace evbus {

struct StreamPaths {
  std::string store_root;        // options.store_root or the default
  std::string conversation_dir;  // OpenHands' conversation directory
  std::string evbus_dir;         // <conversation_dir>/evbus
};

// Validates the names and resolves the directories (nothing is created).
Result<StreamPaths> ResolveStreamPaths(std::string_view session_id,
                                       const EventStreamOptions& options);

// Attaches to (or, with create_if_missing, creates) the stream's segment.
Result<std::unique_ptr<shm::Segment>> OpenStreamSegment(std::string_view session_id,
                                                        const EventStreamOptions& options,
                                                        const StreamPaths& paths);

}  // namespace evbus

#endif  // EVBUS_STREAM_STREAM_SEGMENT_H_
