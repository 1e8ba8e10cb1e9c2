// Reading the live metrics of every process of a stream, read-only, from any
// process of the same user (the inspector): one StreamSnapshot per metrics
// file (layout in metrics_layout.h; docs/event_stream.md "Metrics").
//
// A file whose owner process is gone (pid not alive, or recycled: its start
// time differs) is stale: skipped by default, reported with stale = true on
// request, removed on request (RemoveStaleStreamMetrics; EventStream::Open
// does it for its stream).
//
// Thread safety: the functions may be called from any thread. A snapshot is
// not a consistent cut across counters (each counter is exact on its own); a
// callback record reused while it was being copied is left out.
#ifndef EVBUS_STREAM_METRICS_READER_H_
#define EVBUS_STREAM_METRICS_READER_H_

#include <cstddef>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "stream/stream_metrics.h"

namespace evbus {

struct MetricsReadOptions {
  bool include_stale = false;  // also return the files of dead processes (stale = true)
  bool remove_stale = false;   // delete the files of dead processes (after reading them)
};

// One snapshot per live EventStream instance of the stream (by pid, then file
// name); empty when no process has the stream open. InvalidArgument for a bad
// name; IOError when /dev/shm cannot be listed; Corruption names a file with
// a foreign layout and says how to remove it. Files of other users (not
// readable) are skipped.
Result<std::vector<StreamSnapshot>> ReadStreamMetrics(std::string_view session_id,
                                                      std::string_view user_id = {},
                                                      const MetricsReadOptions& options = {});

// Deletes the metrics files of the stream whose processes are gone; returns
// how many it deleted.
std::size_t RemoveStaleStreamMetrics(std::string_view session_id, std::string_view user_id = {});

}  // namespace evbus

#endif  // EVBUS_STREAM_METRICS_READER_H_
