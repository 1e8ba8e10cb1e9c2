// GET /streams, /streams/<sid>/snapshot and /metrics: what is on this host
// (segments) and in the store, and the inspector's view of each stream
// (tools/evbus/inspect_frame.h: the same frame `evbus inspect` prints).
#include "tools/serve/stream_routes.h"

#include <chrono>
#include <map>
#include <set>
#include <thread>

#include "bridge/bridge_status.h"
#include "shm/segment.h"
#include "shm/stats.h"
#include "tools/evbus/inspect_frame.h"
#include "tools/evbus/inspect_render.h"
#include "tools/evbus/stored_streams.h"
#include "tools/serve/event_routes.h"

namespace evbus::serve {
namespace {

// Rates in a snapshot are measured over this interval.
constexpr std::chrono::milliseconds kRateInterval{100};

struct Sampled {
  std::unique_ptr<shm::Segment> segment;
  shm::SegmentStats before;
};

// Frames of `segments`, all sampled over the same interval.
std::vector<cli::InspectFrame> Frames(std::vector<Sampled> sampled) {
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(kRateInterval);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<cli::InspectFrame> frames;
  for (Sampled& s : sampled) {
    cli::InspectFrame frame =
        cli::BuildFrame(*s.segment, s.before, shm::Snapshot(*s.segment), seconds);
    cli::AddCallbackMetrics(&frame);
    frame.bridges = bridge::ReadBridgeStatuses(frame.stream, frame.user);
    frames.push_back(std::move(frame));
  }
  return frames;
}

// Prometheus wants each family once: the families of several frames merged,
// in the order they first appear.
std::string MergeExpositions(const std::vector<std::string>& texts) {
  std::vector<std::string> order;
  std::map<std::string, std::string> heads, samples;
  for (const std::string& text : texts) {
    std::string family;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      const std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
        family = line.substr(7, line.find(' ', 7) - 7);
        if (!heads.count(family)) order.push_back(family);
        if (heads[family].find(line) == std::string::npos) heads[family] += line + "\n";
      } else if (!line.empty()) {
        samples[family] += line + "\n";
      }
    }
  }
  std::string out;
  for (const std::string& family : order) out += heads[family] + samples[family];
  return out;
}

}  // namespace

Response ListStreamsRoute(ServerState* state, const Request& req) {
  std::map<StreamKey, std::pair<bool, bool>> streams;  // live, stored
  for (const shm::SegmentInfo& info : shm::Segment::List()) {
    if (info.valid) streams[StreamKey{info.stream, info.user}].first = true;
  }
  if (!state->options.root.empty()) {
    auto stored = cli::ListStoredStreams(state->options.root, std::nullopt);
    if (stored.ok()) {
      for (const cli::StoredStream& s : *stored) streams[StreamKey{s.stream, s.user}].second = true;
    }
  }
  std::string json = "{\"streams\":[";
  bool first = true;
  for (const auto& [key, where] : streams) {
    if (!first) json.push_back(',');
    first = false;
    json += "{\"stream\":" + JsonQuote(key.stream) + ",\"user\":" + JsonQuote(key.user) +
            ",\"live\":" + (where.first ? "true" : "false") +
            ",\"stored\":" + (where.second ? "true" : "false") + "}";
  }
  return JsonReply(req, http::status::ok, json + "]}");
}

Response SnapshotRoute(const Request& req, const StreamKey& key) {
  auto segment = shm::Segment::OpenReadOnly(key.stream, key.user);
  if (segment.status().IsNotFound()) {
    return ErrorReply(req, http::status::not_found,
                      "stream \"" + key.stream +
                          "\" has no segment on this host (a snapshot needs a live stream); "
                          "GET /streams lists them");
  }
  if (!segment.ok()) return ErrorFromStatus(req, segment.status());
  std::vector<Sampled> sampled;
  shm::SegmentStats before = shm::Snapshot(**segment);
  sampled.push_back(Sampled{std::move(*segment), std::move(before)});
  std::string json = cli::RenderJson(Frames(std::move(sampled)).at(0));
  while (!json.empty() && json.back() == '\n') json.pop_back();
  return JsonReply(req, http::status::ok, std::move(json));
}

Response MetricsRoute(ServerState* state, const Request& req) {
  std::vector<Sampled> sampled;
  for (const shm::SegmentInfo& info : shm::Segment::List()) {
    if (!info.valid) continue;
    auto segment = shm::Segment::OpenReadOnly(info.stream, info.user);
    if (!segment.ok()) continue;  // destroyed meanwhile, or not ours
    shm::SegmentStats before = shm::Snapshot(**segment);
    sampled.push_back(Sampled{std::move(*segment), std::move(before)});
  }
  std::vector<std::string> texts;
  texts.push_back(
      "# HELP evbus_serve_streams Streams with a segment on this host.\n"
      "# TYPE evbus_serve_streams gauge\nevbus_serve_streams " +
      std::to_string(sampled.size()) +
      "\n# HELP evbus_serve_live_clients SSE and WebSocket clients of evbus serve.\n"
      "# TYPE evbus_serve_live_clients gauge\nevbus_serve_live_clients " +
      std::to_string(state->live_clients.load(std::memory_order_relaxed)) + "\n");
  for (const cli::InspectFrame& frame : Frames(std::move(sampled))) {
    texts.push_back(cli::RenderPrometheus(frame));
  }
  return Reply(req, http::status::ok, MergeExpositions(texts),
               "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace evbus::serve
