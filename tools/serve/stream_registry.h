// StreamRegistry: the streams `evbus serve` has opened, kept for the
// server's life: each stream's unified view (ring + store) for reads, its
// LiveHub for live clients, and an EventStream for POSTed events (which
// redacts them like any producer).
//
// Thread safety: every method may be called from any thread.
#ifndef EVBUS_TOOLS_SERVE_STREAM_REGISTRY_H_
#define EVBUS_TOOLS_SERVE_STREAM_REGISTRY_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "base/status.h"
#include "persist/unified_view.h"
#include "shm/segment.h"
#include "stream/event_stream.h"
#include "tools/serve/live_hub.h"
#include "tools/serve/serve_options.h"

namespace evbus::serve {

struct StreamKey {
  std::string stream;
  std::string user;  // "" = no user
  bool operator<(const StreamKey& o) const {
    return std::tie(user, stream) < std::tie(o.user, o.stream);
  }
};

class StreamRegistry {
 public:
  explicit StreamRegistry(const ServeOptions& options) : options_(options) {}
  ~StreamRegistry();

  // NotFound (saying how to create the stream) when it has neither a
  // segment nor a store.
  Result<std::shared_ptr<persist::UnifiedView>> View(const StreamKey& key);
  Result<std::shared_ptr<LiveHub>> Hub(const StreamKey& key);
  // The EventStream POSTs go through; NotFound without a segment.
  Result<std::shared_ptr<EventStream>> Producer(const StreamKey& key);

 private:
  const ServeOptions options_;
  std::mutex mu_;
  std::map<StreamKey, std::shared_ptr<persist::UnifiedView>> views_;
  std::map<StreamKey, std::shared_ptr<LiveHub>> hubs_;
  struct ProducerEntry {
    std::shared_ptr<EventStream> stream;
    std::unique_ptr<shm::Segment> segment;  // read-only: tells when it was destroyed
  };
  std::map<StreamKey, ProducerEntry> producers_;
};

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_STREAM_REGISTRY_H_
