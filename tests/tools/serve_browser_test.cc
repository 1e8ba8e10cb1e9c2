// A real headless Chromium (Debian's chromium, driven over its DevTools
// protocol from here, no driver package) loads evbus serve's page: events
// published after the page loaded appear in it, the filter box filters, and
// a token-protected server shows nothing until the token is given. The page
// is photographed (build dir; docs/serve-page.png with EVBUS_UPDATE_DOCS=1).
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/tools/serve_fixture.h"

namespace evbus::testutil {
namespace {

constexpr char kChromium[] = "/usr/bin/chromium";
using std::chrono::seconds;

std::string Quote(const std::string& text) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(text.c_str(), static_cast<rapidjson::SizeType>(text.size()));
  return buf.GetString();
}

std::string DecodeBase64(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned value = 0;
  int bits = 0;
  for (char c : in) {
    const std::size_t v = kAlphabet.find(c);
    if (v == std::string::npos) continue;  // '=' and anything else
    value = (value << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
    }
  }
  return out;
}

// A DevTools protocol session over the page's WebSocket.
class DevTools {
 public:
  ~DevTools() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool Connect(std::uint16_t port, const std::string& path) {
    fd_ = ConnectLoopback(port);
    if (fd_ < 0) return false;
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                            "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                            "dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    if (!SendAll(fd_, req)) return false;
    std::size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadSome(fd_, &buffer_, std::chrono::seconds(10))) return false;
    }
    const bool ok = buffer_.rfind("HTTP/1.1 101", 0) == 0;
    buffer_.erase(0, end + 4);
    return ok;
  }

  // The "result" member of the answer to `method` (as JSON), "" on error.
  std::string Call(const std::string& method, const std::string& params = "{}") {
    const int id = ++last_id_;
    const std::string message = "{\"id\":" + std::to_string(id) + ",\"method\":\"" + method +
                                "\",\"params\":" + params + "}";
    if (!SendAll(fd_, Mask(message))) return "";
    const auto deadline = Clock::now() + seconds(20);
    while (Clock::now() < deadline) {
      std::string text;
      if (!NextMessage(&text, deadline)) return "";
      rapidjson::Document doc;
      doc.Parse(text.c_str());
      if (!doc.IsObject() || !doc.HasMember("id") || doc["id"].GetInt() != id) continue;
      if (!doc.HasMember("result")) return "";
      rapidjson::StringBuffer buf;
      rapidjson::Writer<rapidjson::StringBuffer> w(buf);
      doc["result"].Accept(w);
      return buf.GetString();
    }
    return "";
  }

  // The value of a JavaScript expression, as JSON ("" on error).
  std::string Eval(const std::string& expression) {
    const std::string result =
        Call("Runtime.evaluate", "{\"expression\":" + Quote(expression) +
                                     ",\"returnByValue\":true,\"awaitPromise\":true}");
    rapidjson::Document doc;
    doc.Parse(result.c_str());
    if (!doc.IsObject() || !doc.HasMember("result") || !doc["result"].HasMember("value")) return "";
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    doc["result"]["value"].Accept(w);
    return buf.GetString();
  }

  // Polls `expression` until it gives `expected` (20 s at most).
  bool WaitFor(const std::string& expression, const std::string& expected) {
    const auto deadline = Clock::now() + seconds(20);
    while (Clock::now() < deadline) {
      if (Eval(expression) == expected) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the page's next paint
    }
    return false;
  }

 private:
  std::string Mask(const std::string& payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x81));
    const std::size_t n = payload.size();
    if (n < 126) {
      frame.push_back(static_cast<char>(0x80 | n));
    } else {
      frame.push_back(static_cast<char>(0x80 | 126));
      frame.push_back(static_cast<char>(n >> 8));
      frame.push_back(static_cast<char>(n & 0xFF));
    }
    const unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(reinterpret_cast<const char*>(key), 4);
    for (std::size_t i = 0; i < n; ++i) frame.push_back(static_cast<char>(payload[i] ^ key[i % 4]));
    return frame;
  }

  bool NextMessage(std::string* text, Clock::time_point deadline) {
    std::string message;
    for (;;) {
      while (buffer_.size() >= 2) {
        const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data());
        std::size_t len = b[1] & 0x7F, off = 2;
        if (len == 126) {
          if (buffer_.size() < 4) break;
          len = (std::size_t{b[2]} << 8) | b[3];
          off = 4;
        } else if (len == 127) {
          if (buffer_.size() < 10) break;
          len = 0;
          for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
          off = 10;
        }
        if (buffer_.size() < off + len) break;
        const bool fin = (b[0] & 0x80) != 0;
        const int opcode = b[0] & 0x0F;
        message += buffer_.substr(off, len);
        buffer_.erase(0, off + len);
        if (opcode >= 8) {  // control frames
          message.clear();
          continue;
        }
        if (fin) {
          *text = std::move(message);
          return true;
        }
      }
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0 || !ReadSome(fd_, &buffer_, left)) return false;
    }
  }

  int fd_ = -1;
  int last_id_ = 0;
  std::string buffer_;
};

class ServeBrowserTest : public ServeFixture {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kChromium)) {
      GTEST_SKIP() << "needs Debian's chromium package (tools/setup.sh installs it)";
    }
    ServeFixture::SetUp();
  }

  // Starts headless Chromium on about:blank and attaches to its page.
  void StartBrowser() {
    const std::string log = dir_.path() + "/chromium.log";
    ASSERT_TRUE(browser_.Start(
        {kChromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-extensions", "--remote-debugging-address=127.0.0.1",
         "--remote-debugging-port=0", "--window-size=1280,800",
         "--user-data-dir=" + dir_.path() + "/chromium", "about:blank"},
        log.c_str()));
    std::uint16_t port = 0;
    const auto deadline = Clock::now() + seconds(30);
    while (port == 0 && Clock::now() < deadline && browser_.running()) {
      const std::string text = ReadFile(log);
      const std::size_t at = text.find("DevTools listening on ws://127.0.0.1:");
      if (at != std::string::npos)
        port = static_cast<std::uint16_t>(std::stoi(text.substr(at + 37)));
      else
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // its log line
    }
    ASSERT_NE(port, 0) << ReadFile(log);
    HttpResponse targets;
    for (int i = 0; i < 100 && targets.body.find("\"type\": \"page\"") == std::string::npos; ++i) {
      targets = Http(port, "GET", "/json/list", "", "Host: 127.0.0.1\r\n");
    }
    // The page's entry: its "type" comes before its webSocketDebuggerUrl.
    const std::size_t page = targets.body.find("\"type\": \"page\"");
    const std::size_t at = targets.body.find("/devtools/page/", page);
    ASSERT_TRUE(page != std::string::npos && at != std::string::npos) << targets.body;
    const std::string ws_path = targets.body.substr(at, targets.body.find('"', at) - at);
    ASSERT_TRUE(devtools_.Connect(port, ws_path)) << ws_path;
  }

  void Navigate(std::uint16_t port) {
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/#stream=" + sid_;
    ASSERT_NE(devtools_.Call("Page.navigate", "{\"url\":" + Quote(url) + "}"), "");
  }

  void TearDown() override {
    browser_.KillAndReap();
    ServeFixture::TearDown();
  }

  ChildProcess browser_;
  DevTools devtools_;
};

constexpr char kEventRows[] = "document.querySelectorAll('#events tbody tr.event').length";
constexpr char kVisibleRows[] =
    "[...document.querySelectorAll('#events tbody tr')].filter(r => !r.hidden).length";

TEST_F(ServeBrowserTest, ThePageShowsEventsPublishedAfterItLoadedAndFilters) {
  Publish(3);
  StartServer();
  StartBrowser();
  Navigate(server_.port());
  ASSERT_TRUE(devtools_.WaitFor(kEventRows, "3")) << devtools_.Eval("document.body.innerText");
  // Published after the page loaded: they arrive live.
  for (const char* text : {"needle in the stack", "hay", "another needle"}) {
    Event e = evbus::testing::NullObservation(text);
    ASSERT_TRUE(stream_->AddEvent(&e, Source::kEnvironment).ok());
  }
  EXPECT_TRUE(devtools_.WaitFor(kEventRows, "6")) << devtools_.Eval("document.body.innerText");
  EXPECT_TRUE(devtools_.WaitFor("document.body.innerText.includes('another needle')", "true"));
  // The filter box: typed into, as a person would.
  ASSERT_NE(devtools_.Eval("document.getElementById('filter').focus(), 1"), "");
  ASSERT_NE(devtools_.Call("Input.insertText", "{\"text\":\"needle\"}"), "");
  EXPECT_TRUE(devtools_.WaitFor(kVisibleRows, "2"));
  // The chart and the producer table fill from the snapshot.
  EXPECT_TRUE(
      devtools_.WaitFor("document.querySelectorAll('#producers tbody tr').length > 0", "true"));
  ASSERT_NE(
      devtools_.Eval("document.getElementById('filter').value = '', "
                     "document.getElementById('filter').dispatchEvent(new Event('input')), 1"),
      "");
  EXPECT_TRUE(devtools_.WaitFor(kVisibleRows, "6"));
  const std::string shot = devtools_.Call("Page.captureScreenshot", "{\"format\":\"png\"}");
  rapidjson::Document doc;
  doc.Parse(shot.c_str());
  ASSERT_TRUE(doc.IsObject() && doc.HasMember("data"));
  const std::string png = DecodeBase64(doc["data"].GetString());
  EXPECT_EQ(png.substr(1, 3), "PNG");
  std::ofstream(std::string(EVBUS_BINARY_DIR) + "/serve-page.png", std::ios::binary) << png;
  if (const char* update = std::getenv("EVBUS_UPDATE_DOCS"); update && std::string(update) == "1") {
    std::ofstream(std::string(EVBUS_SOURCE_DIR) + "/docs/serve-page.png", std::ios::binary) << png;
  }
}

TEST_F(ServeBrowserTest, ATokenProtectedServerShowsNothingUntilTheTokenIsGiven) {
  Publish(2);
  const std::string token = "0123456789abcdef0123456789abcdef";
  std::ofstream(dir_.path() + "/token") << token << "\n";
  StartServer({"--token-file", dir_.path() + "/token"});
  StartBrowser();
  Navigate(server_.port());
  EXPECT_TRUE(devtools_.WaitFor("document.getElementById('token-form').hidden", "false"));
  EXPECT_EQ(devtools_.Eval("document.querySelectorAll('#streams li').length"), "0");
  EXPECT_EQ(devtools_.Eval(kEventRows), "0");
  ASSERT_NE(devtools_.Eval("document.getElementById('token').focus(), 1"), "");
  ASSERT_NE(devtools_.Call("Input.insertText", "{\"text\":" + Quote(token) + "}"), "");
  ASSERT_NE(devtools_.Eval("document.querySelector('#token-form button').click(), 1"), "");
  EXPECT_TRUE(devtools_.WaitFor(kEventRows, "2")) << devtools_.Eval("document.body.innerText");
}

}  // namespace
}  // namespace evbus::testutil
