// A live client of one stream, SSE or WebSocket: the stored history from a
// start id, then live events from the stream's LiveHub, with no gap and no
// duplicate; a client that falls behind its byte budget gets a gap item.
//
// Frames (docs/serve.md):
//   SSE        "id: N\ndata: <event JSON>\n\n"            an event
//              "event: gap\ndata: {first_id,last_id,resume_from}\n\n"
//              "id: L\nevent: lost\ndata: {first_id,last_id}\n\n"
//   WebSocket  {"type":"event","id":N,"event":<event JSON>}
//              {"type":"gap",...} / {"type":"lost",...}   (text frames)
//
// Thread safety: RunLiveSession runs on the connection's own thread.
#ifndef EVBUS_TOOLS_SERVE_LIVE_SESSION_H_
#define EVBUS_TOOLS_SERVE_LIVE_SESSION_H_

#include <atomic>
#include <cstdint>
#include <string>

#include "tools/serve/fd_stream.h"
#include "tools/serve/live_hub.h"

namespace evbus::serve {

enum class LiveFraming { kSse, kWebSocket };

struct LiveSessionOptions {
  LiveFraming framing = LiveFraming::kSse;
  std::int64_t start_id = 0;  // the first id the client wants
  std::size_t buffer_bytes = 1u << 20;
  const std::atomic<bool>* stop = nullptr;  // the server is stopping
  std::string head;  // the response head (or WebSocket handshake) to write first
};

// Joins the stream's hub, then writes options.head (so that every id after
// the client has its head reaches it, as an event or in a gap), then streams
// until the client goes away or *options.stop.
void RunLiveSession(FdStream* client, LiveHub* hub, const LiveSessionOptions& options);

// One frame of `framing` for `item`.
std::string LiveFrame(LiveFraming framing, const LiveItem& item);

}  // namespace evbus::serve

#endif  // EVBUS_TOOLS_SERVE_LIVE_SESSION_H_
