#include "tools/serve/live_session.h"

#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <limits>
#include <vector>

namespace evbus::serve {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::seconds kKeepAlive{15};
constexpr std::chrono::milliseconds kTick{50};

std::string WebSocketFrame(std::string_view payload) {
  std::string frame;
  frame.push_back(static_cast<char>(0x81));  // FIN, text
  const std::size_t n = payload.size();
  if (n < 126) {
    frame.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    frame.push_back(126);
    frame.push_back(static_cast<char>(n >> 8));
    frame.push_back(static_cast<char>(n & 0xFF));
  } else {
    frame.push_back(127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      frame.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> shift) & 0xFF));
    }
  }
  frame.append(payload);
  return frame;
}

std::string RangeJson(const LiveItem& item, bool resume) {
  std::string json =
      "{\"first_id\":" + std::to_string(item.first) + ",\"last_id\":" + std::to_string(item.last);
  if (resume) json += ",\"resume_from\":" + std::to_string(item.first);
  return json + "}";
}

// The live state of one client: what is owed to it and what waits to be sent.
class Session {
 public:
  Session(FdStream* client, LiveHub* hub, const LiveSessionOptions& options)
      : client_(client), hub_(hub), options_(options), next_(options.start_id) {}

  void Run() {
    queue_ = hub_->Attach(options_.buffer_bytes);
    if (!client_->WriteAll(options_.head)) {
      hub_->Detach(queue_);
      return;
    }
    bool catching_up = true;
    Clock::time_point last_send = Clock::now();
    while (!Stopping() && !closed_) {
      if (catching_up && out_.size() < options_.buffer_bytes) catching_up = CatchUp();
      if (!catching_up && out_.size() < options_.buffer_bytes) TakeLive();
      const std::size_t before = out_.size();
      Flush();
      if (out_.size() < before) last_send = Clock::now();
      if (Clock::now() - last_send > kKeepAlive && out_.empty()) {
        out_ =
            options_.framing == LiveFraming::kSse ? ": keep-alive\n\n" : std::string("\x89\0", 2);
      }
      WaitForClient();
    }
    hub_->Detach(queue_);
  }

 private:
  bool Stopping() const {
    return options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed);
  }

  void Append(const LiveItem& item) { out_ += LiveFrame(options_.framing, item); }

  // History up to `to` (or the head). True while stopped by the budget.
  bool CatchUp(std::int64_t to = std::numeric_limits<std::int64_t>::max()) {
    bool full = false;
    (void)hub_->view()->ForEach(
        next_, to,
        [&](const persist::StoredEvent& event) {
          Append(LiveItem{LiveItem::Kind::kEvent, event.meta.id, event.meta.id,
                          std::make_shared<const std::string>(event.json)});
          full = out_.size() >= options_.buffer_bytes;
          return !full;
        },
        [&](std::int64_t first, std::int64_t last) {
          Append(LiveItem{LiveItem::Kind::kLost, first, last, nullptr});
        },
        &next_);
    return full;
  }

  void TakeLive() {
    std::vector<LiveItem> items;
    if (!queue_->Take(&items, out_.empty() ? kTick : std::chrono::milliseconds(0))) return;
    for (LiveItem& item : items) {
      if (item.last < next_) continue;  // already sent from history
      if (item.first > next_ && CatchUp(item.first - 1) && next_ < item.first) {
        // Ids before the hub's first item would not fit the budget: a gap.
        Append(LiveItem{LiveItem::Kind::kGap, next_, item.first - 1, nullptr});
        next_ = item.first;
      }
      if (item.first < next_) item.first = next_;  // a gap partly sent already
      Append(item);
      next_ = item.last + 1;
    }
  }

  void Flush() {
    while (!out_.empty()) {
      const ssize_t n =
          ::send(client_->fd(), out_.data(), out_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        out_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      closed_ = true;
      return;
    }
  }

  // Waits a tick for the client to take bytes or say something (anything it
  // sends is read and dropped; end of stream closes the session).
  void WaitForClient() {
    pollfd p{client_->fd(), static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)), 0};
    const int timeout = out_.empty() ? 0 : static_cast<int>(kTick.count());
    if (::poll(&p, 1, timeout) <= 0) return;
    if ((p.revents & (POLLERR | POLLHUP)) != 0) closed_ = true;
    if ((p.revents & POLLIN) != 0) {
      char sink[4096];
      const ssize_t n = ::recv(client_->fd(), sink, sizeof sink, MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) closed_ = true;
    }
  }

  FdStream* client_;
  LiveHub* hub_;
  const LiveSessionOptions options_;
  std::shared_ptr<LiveClientQueue> queue_;
  std::int64_t next_;
  std::string out_;
  bool closed_ = false;
};

}  // namespace

std::string LiveFrame(LiveFraming framing, const LiveItem& item) {
  if (framing == LiveFraming::kWebSocket) {
    switch (item.kind) {
      case LiveItem::Kind::kEvent:
        return WebSocketFrame("{\"type\":\"event\",\"id\":" + std::to_string(item.first) +
                              ",\"event\":" + *item.json + "}");
      case LiveItem::Kind::kGap:
        return WebSocketFrame("{\"type\":\"gap\"," + RangeJson(item, true).substr(1));
      case LiveItem::Kind::kLost:
        return WebSocketFrame("{\"type\":\"lost\"," + RangeJson(item, false).substr(1));
    }
  }
  switch (item.kind) {
    case LiveItem::Kind::kEvent:
      return "id: " + std::to_string(item.first) + "\ndata: " + *item.json + "\n\n";
    case LiveItem::Kind::kGap:
      return "event: gap\ndata: " + RangeJson(item, true) + "\n\n";
    case LiveItem::Kind::kLost:
      return "id: " + std::to_string(item.last) + "\nevent: lost\ndata: " + RangeJson(item, false) +
             "\n\n";
  }
  return {};
}

void RunLiveSession(FdStream* client, LiveHub* hub, const LiveSessionOptions& options) {
  Session(client, hub, options).Run();
}

}  // namespace evbus::serve
