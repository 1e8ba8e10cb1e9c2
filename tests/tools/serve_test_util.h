// Helpers of the `evbus serve` tests: the real server started as a child
// process (its port read from its first line), and small HTTP, SSE and
// WebSocket clients over loopback whose every read is bounded by a deadline.
#ifndef EVBUS_TESTS_TOOLS_SERVE_TEST_UTIL_H_
#define EVBUS_TESTS_TOOLS_SERVE_TEST_UTIL_H_

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/testutil/child_process.h"

namespace evbus::testutil {

// The whole file ("" if unreadable), for failure messages.
inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline const std::string kEvbusBinary = std::string(EVBUS_BINARY_DIR) + "/evbus";
using Clock = std::chrono::steady_clock;

// `evbus serve --listen 127.0.0.1:0 ARGS...` as a child; port() once started.
class ServeProcess {
 public:
  bool Start(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kEvbusBinary, "serve", "--listen", listen_};
    argv.insert(argv.end(), args.begin(), args.end());
    if (!child_.Start(argv)) return false;
    std::string line;
    if (!child_.ReadLine(&line, std::chrono::seconds(20))) return false;
    const std::size_t colon = line.rfind(':');
    if (line.find("listening on") == std::string::npos || colon == std::string::npos) return false;
    port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
    return true;
  }
  void set_listen(std::string listen) { listen_ = std::move(listen); }
  std::uint16_t port() const { return port_; }
  ChildProcess& child() { return child_; }
  // SIGTERM, then wait for a clean exit.
  bool Stop() {
    child_.Kill(SIGTERM);
    int status = 0;
    return child_.Wait(&status, std::chrono::seconds(20)) && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
  }

 private:
  ChildProcess child_;
  std::string listen_ = "127.0.0.1:0";
  std::uint16_t port_ = 0;
};

// A connected loopback socket (-1 on failure); `rcvbuf` > 0 sets SO_RCVBUF first.
inline int ConnectLoopback(std::uint16_t port, int rcvbuf = 0) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

inline bool SendAll(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Appends what arrives within `timeout` to *out; false on EOF/error/timeout
// with nothing read.
inline bool ReadSome(int fd, std::string* out, std::chrono::milliseconds timeout) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[65536];
  const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  out->append(chunk, static_cast<std::size_t>(n));
  return true;
}

struct HttpResponse {
  int status = 0;                              // 0: no response
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

inline HttpResponse ParseHead(const std::string& raw, std::size_t head_end) {
  HttpResponse res;
  const std::string head = raw.substr(0, head_end);
  if (head.size() > 12) res.status = std::atoi(head.c_str() + 9);
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    const std::size_t end = head.find("\r\n", pos + 2);
    const std::string line = head.substr(pos + 2, end == std::string::npos ? end : end - pos - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      res.headers[name] = line.substr(colon + 2);
    }
    pos = end;
  }
  return res;
}

// One request on a new connection ("Connection: close"); the whole reply
// within `timeout`. `extra_headers`: full lines, each ending in "\r\n".
inline HttpResponse Http(std::uint16_t port, const std::string& method, const std::string& target,
                         const std::string& body = "", const std::string& extra_headers = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  HttpResponse res;
  const int fd = ConnectLoopback(port);
  if (fd < 0) return res;
  const bool own_host = extra_headers.rfind("Host:", 0) == 0;
  std::string req = method + " " + target + " HTTP/1.1\r\n" +
                    (own_host ? "" : "Host: 127.0.0.1\r\n") + extra_headers +
                    "Connection: close\r\n";
  if (!body.empty() || method == "POST")
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  std::string raw;
  if (SendAll(fd, req)) {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (
        Clock::now() < deadline &&
        ReadSome(fd, &raw,
                 std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()))) {
    }
  }
  ::close(fd);
  const std::size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) return res;
  res = ParseHead(raw, head_end);
  res.body = raw.substr(head_end + 4);
  return res;
}

// One SSE frame: its "id:", "event:" (default "message") and "data:".
struct SseFrame {
  std::optional<std::int64_t> id;
  std::string event = "message";
  std::string data;
};

// A live client: SSE (or WebSocket when `websocket`) on /streams/<sid>/live.
class LiveClient {
 public:
  ~LiveClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Connects and reads the response head; the status it got (0: none).
  int Open(std::uint16_t port, const std::string& target, const std::string& extra_headers = "",
           bool websocket = false, int rcvbuf = 0) {
    websocket_ = websocket;
    fd_ = ConnectLoopback(port, rcvbuf);
    if (fd_ < 0) return 0;
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
    if (websocket) {
      req +=
          "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    }
    if (!SendAll(fd_, req + "\r\n")) return 0;
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
    std::size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (Clock::now() > deadline || !ReadSome(fd_, &buffer_, std::chrono::milliseconds(500))) {
        if (Clock::now() > deadline) return 0;
      }
    }
    head_ = ParseHead(buffer_, head_end);
    buffer_.erase(0, head_end + 4);
    return head_.status;
  }
  const HttpResponse& head() const { return head_; }

  // The next frame, waiting at most `timeout`; nullopt on timeout or close.
  std::optional<SseFrame> Next(std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
      if (auto frame = websocket_ ? ParseWebSocket() : ParseSse()) return frame;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0 || !ReadSome(fd_, &buffer_, left)) {
        if (Clock::now() >= deadline || !Alive()) return std::nullopt;
      }
    }
  }
  int fd() const { return fd_; }

 private:
  bool Alive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return true;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
  }

  std::optional<SseFrame> ParseSse() {
    std::size_t end;
    while ((end = buffer_.find("\n\n", offset_)) != std::string::npos) {
      const std::string text = buffer_.substr(offset_, end - offset_);
      offset_ = end + 2;
      if (offset_ > (1u << 16)) {  // compact now and then, not per frame
        buffer_.erase(0, offset_);
        offset_ = 0;
      }
      if (text.rfind(':', 0) == 0) continue;  // a comment (keep-alive)
      SseFrame frame;
      std::size_t pos = 0;
      while (pos <= text.size()) {
        std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) nl = text.size();
        const std::string line = text.substr(pos, nl - pos);
        if (line.rfind("id: ", 0) == 0) frame.id = std::stoll(line.substr(4));
        if (line.rfind("event: ", 0) == 0) frame.event = line.substr(7);
        if (line.rfind("data: ", 0) == 0) frame.data += line.substr(6);
        pos = nl + 1;
      }
      return frame;
    }
    return std::nullopt;
  }

  // A server frame (unmasked). Text frames become SseFrames: event = the
  // "type" member, id = the "id" member for events.
  std::optional<SseFrame> ParseWebSocket() {
    while (buffer_.size() >= 2) {
      const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data());
      std::size_t len = b[1] & 0x7F, off = 2;
      if (len == 126) {
        if (buffer_.size() < 4) return std::nullopt;
        len = (std::size_t{b[2]} << 8) | b[3];
        off = 4;
      } else if (len == 127) {
        if (buffer_.size() < 10) return std::nullopt;
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
        off = 10;
      }
      if (buffer_.size() < off + len) return std::nullopt;
      const int opcode = b[0] & 0x0F;
      std::string payload = buffer_.substr(off, len);
      buffer_.erase(0, off + len);
      if (opcode != 1) continue;  // pings
      SseFrame frame;
      frame.data = payload;
      const std::size_t t = payload.find("\"type\":\"");
      if (t != std::string::npos)
        frame.event = payload.substr(t + 8, payload.find('"', t + 8) - t - 8);
      if (frame.event == "event") {
        frame.event = "message";
        frame.id = std::stoll(payload.substr(payload.find("\"id\":") + 5));
      }
      return frame;
    }
    return std::nullopt;
  }

  int fd_ = -1;
  bool websocket_ = false;
  std::string buffer_;
  std::size_t offset_ = 0;  // SSE: what is parsed of buffer_
  HttpResponse head_;
};

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TOOLS_SERVE_TEST_UTIL_H_
