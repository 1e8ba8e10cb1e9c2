// evbus serve's REST routes, against the real server over loopback:
// OpenHands' query semantics, POST redaction, errors, headers and the token.
#include <fstream>

#include "tests/tools/serve_fixture.h"

namespace evbus::testutil {
namespace {

using IdList = std::vector<std::int64_t>;

IdList Range(std::int64_t first, std::int64_t last) {
  IdList ids;
  for (std::int64_t i = first; i <= last; ++i) ids.push_back(i);
  return ids;
}

class ServeRestTest : public ServeFixture {};

TEST_F(ServeRestTest, AnswersEventQueriesWithOpenHandsSemantics) {
  Publish(30);
  StartServer();
  bool more = false;
  EXPECT_EQ(Ids(Get(Path("/events")).body, &more), Range(0, 19));  // default limit 20
  EXPECT_TRUE(more);
  EXPECT_EQ(Ids(Get(Path("/events?start_id=25")).body, &more), Range(25, 29));
  EXPECT_FALSE(more);
  EXPECT_EQ(Ids(Get(Path("/events?start_id=20&limit=10")).body, &more), Range(20, 29));
  EXPECT_FALSE(more);  // exactly the rest: nothing more
  EXPECT_EQ(Ids(Get(Path("/events?reverse=true&limit=3")).body, &more), (IdList{29, 28, 27}));
  EXPECT_TRUE(more);
  // reverse keeps start_id the lower bound; end_id is inclusive.
  EXPECT_EQ(Ids(Get(Path("/events?start_id=3&end_id=5&reverse=true")).body), (IdList{5, 4, 3}));
  EXPECT_EQ(Ids(Get(Path("/events?start_id=3&end_id=5")).body), Range(3, 5));
  EXPECT_EQ(Ids(Get(Path("/events?source=user&limit=3")).body), (IdList{1, 3, 5}));
  EXPECT_EQ(Ids(Get(Path("/events?query=CONTENT%2017")).body), (IdList{17}));
  EXPECT_EQ(Ids(Get(Path("/events?include_types=MessageAction")).body), IdList{});
  EXPECT_EQ(Ids(Get(Path("/events?exclude_types=Observation")).body), IdList{});
  EXPECT_EQ(Ids(Get(Path("/events?limit=0")).body, &more), IdList{});
  EXPECT_TRUE(more);
  EXPECT_EQ(Ids(Get(Path("/events?limit=100")).body, &more), Range(0, 29));
  EXPECT_FALSE(more);
  HttpResponse one = Get(Path("/events/7"));
  EXPECT_EQ(one.status, 200);
  EXPECT_NE(one.body.find("\"id\":7,"), std::string::npos) << one.body;
  EXPECT_NE(one.body.find("content 7"), std::string::npos) << one.body;
}

TEST_F(ServeRestTest, AStreamDestroyedAndCreatedAgainIsServedAnew) {
  Publish(3);
  StartServer();
  EXPECT_EQ(Ids(Get(Path("/events")).body), (IdList{0, 1, 2}));
  const std::string event = R"({"action":"run","args":{"command":"ls"},"source":"agent"})";
  EXPECT_EQ(Http(server_.port(), "POST", Path("/events"), event).status, 201);  // id 3
  ASSERT_TRUE(stream_->Close().ok());
  evbus::testing::DestroyStream(sid_);  // evbus destroy, while the server holds a mapping
  EventStreamOptions options;
  options.store_root = dir_.path() + "/elsewhere";
  auto again = EventStream::Open(sid_, options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  stream_ = std::move(*again);
  published_ = 10;  // content 10, so it differs from the old id 0
  Publish(1);
  // POST goes to the new segment, not the destroyed one.
  EXPECT_EQ(Http(server_.port(), "POST", Path("/events"), event).body, "{\"id\":1}\n");
  HttpResponse res = Get(Path("/events"));
  EXPECT_EQ(Ids(res.body), (IdList{0, 1}));
  EXPECT_NE(res.body.find("content 10"), std::string::npos) << res.body;
}

TEST_F(ServeRestTest, ListsStreamsAndSnapshots) {
  Publish(3);
  StartServer();
  HttpResponse list = Get("/streams");
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find("{\"stream\":\"" + sid_ + "\",\"user\":\"\",\"live\":true,\"stored\":"),
            std::string::npos)
      << list.body;
  HttpResponse snap = Get(Path("/snapshot"));
  ASSERT_EQ(snap.status, 200) << snap.body;
  rapidjson::Document doc;
  doc.Parse(snap.body.c_str());
  ASSERT_TRUE(doc.IsObject()) << snap.body;
  EXPECT_EQ(std::string(doc["stream"].GetString()), sid_);
  EXPECT_EQ(doc["next_id"].GetInt64(), 3);
  EXPECT_TRUE(doc["producers"].IsArray());
}

TEST_F(ServeRestTest, PostIsRedactedLikeAnyProducerAndRefusedWhenReadOnly) {
  ASSERT_TRUE(stream_->SetSecrets({{"api", "sk-very-secret-value"}}).ok());
  StartServer();
  HttpResponse posted = Http(server_.port(), "POST", Path("/events"),
                             R"({"action":"run","args":{"command":"echo sk-very-secret-value"},)"
                             R"("source":"agent"})");
  ASSERT_EQ(posted.status, 201) << posted.body;
  EXPECT_EQ(posted.body, "{\"id\":0}\n");
  HttpResponse back = Get(Path("/events/0"));
  EXPECT_EQ(back.body.find("sk-very-secret-value"), std::string::npos) << back.body;
  EXPECT_NE(back.body.find("<secret_hidden>"), std::string::npos) << back.body;
  ASSERT_TRUE(server_.Stop());

  ServeProcess read_only;
  ASSERT_TRUE(read_only.Start({"--read-only"}));
  HttpResponse refused = Http(read_only.port(), "POST", Path("/events"),
                              R"({"action":"run","args":{"command":"ls"},"source":"agent"})");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("read-only"), std::string::npos) << refused.body;
  EXPECT_EQ(stream_->GetLatestEventId(), 0);  // nothing was added
}

struct BadRequest {
  std::string method, target, body, message;
  int status;
};

TEST_F(ServeRestTest, BadRequestsGetTheirStatusAndAClearMessageAndServingGoesOn) {
  Publish(2);
  StartServer();
  const std::string s = "/streams/" + sid_;
  const std::vector<BadRequest> cases = {
      {"POST", s + "/events", "{\"action\": ", "not an OpenHands event", 400},
      {"POST", s + "/events", R"({"id":4,"action":"run","args":{},"source":"agent"})",
       "already has an id", 400},
      {"POST", s + "/events", R"({"action":"run","args":{}})", "has no", 400},
      {"POST", s + "/events", std::string(2 << 20, 'x'), "larger than", 413},
      {"GET", "/streams/no-such-stream-here/events", "", "does not exist", 404},
      {"GET", "/streams/..%2F..%2Fetc/events", "", "is not valid", 400},
      {"GET", "/streams/..", "", "is not valid", 400},
      {"GET", s + "/events?user=../../root", "", "is not valid", 400},
      {"GET", s + "/events/abc", "", "must be an integer", 400},
      {"GET", s + "/events/99", "", "", 404},
      {"GET", s + "/events?source=robot", "", "robot", 400},
      {"GET", s + "/events?include_types=NoSuchAction", "", "NoSuchAction", 400},
      {"GET", s + "/events?limit=101", "", "between 0 and 100", 400},
      {"GET", s + "/events?start_id=-1", "", "start_id", 400},
      {"GET", s + "/events?reverse=maybe", "", "reverse", 400},
      {"GET", s + "/events?start_date=yesterday", "", "", 400},
      {"GET", "/streams/%zz/events", "", "percent escape", 400},
      {"DELETE", s + "/events", "", "not allowed", 405},
      {"GET", "/etc/passwd", "", "no such resource", 404},
  };
  for (const BadRequest& c : cases) {
    HttpResponse res = Http(server_.port(), c.method, c.target, c.body);
    EXPECT_EQ(res.status, c.status) << c.method << " " << c.target << ": " << res.body;
    EXPECT_EQ(res.headers["content-type"], "application/json") << c.target;
    EXPECT_NE(res.body.find("\"error\":"), std::string::npos) << c.target << ": " << res.body;
    EXPECT_NE(res.body.find(c.message), std::string::npos) << c.target << ": " << res.body;
  }
  // Not HTTP at all: a 400, and the server still answers.
  const int fd = ConnectLoopback(server_.port());
  ASSERT_TRUE(SendAll(fd, "HELLO\r\n\r\n"));
  std::string raw;
  ReadSome(fd, &raw, std::chrono::seconds(10));
  ::close(fd);
  EXPECT_EQ(raw.rfind("HTTP/1.1 400", 0), 0u) << raw;
  EXPECT_EQ(Ids(Get(Path("/events")).body), (IdList{0, 1}));
  EXPECT_EQ(stream_->GetLatestEventId(), 1);  // nothing bad was added
}

TEST_F(ServeRestTest, EveryResponseCarriesTheSecurityHeaders) {
  StartServer();
  for (const std::string& target :
       {std::string("/streams"), Path("/events"), std::string("/nothing"), std::string("/"),
        std::string("/metrics")}) {
    HttpResponse res = Get(target);
    EXPECT_EQ(res.headers["cache-control"], "no-store") << target;
    EXPECT_EQ(res.headers["x-content-type-options"], "nosniff") << target;
    EXPECT_EQ(res.headers["x-frame-options"], "DENY") << target;
    EXPECT_NE(res.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);
    EXPECT_EQ(res.headers.count("access-control-allow-origin"), 0u) << target;
    EXPECT_FALSE(res.headers["content-type"].empty()) << target;
  }
  HttpResponse page = Get("/");
  EXPECT_EQ(page.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<script src=\"/app.js\">"), std::string::npos);
  // A page of another site reaching a loopback server by a DNS name.
  HttpResponse rebound = Http(server_.port(), "GET", "/streams", "", "Host: evil.example\r\n");
  EXPECT_EQ(rebound.status, 421) << rebound.body;
}

TEST_F(ServeRestTest, ConnectionAndHeaderLimitsAreEnforcedAndServingGoesOn) {
  StartServer();
  HttpResponse big_header = Get("/streams", "X-Filler: " + std::string(20 << 10, 'h') + "\r\n");
  EXPECT_EQ(big_header.status, 431) << big_header.body;
  // 256 connections are the most; the next one is told so and closed.
  std::vector<int> held;
  for (int i = 0; i < 256; ++i) {
    const int fd = ConnectLoopback(server_.port());
    ASSERT_GE(fd, 0);
    held.push_back(fd);
  }
  HttpResponse refused = Get("/streams");
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("too many connections"), std::string::npos) << refused.body;
  for (int fd : held) ::close(fd);
  // Their threads see the close and end: the server answers again.
  HttpResponse again;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (again.status != 200 && Clock::now() < deadline) again = Get("/streams");
  EXPECT_EQ(again.status, 200);
}

TEST_F(ServeRestTest, ATokenProtectedServerRefusesRequestsWithoutIt) {
  const std::string token_file = dir_.path() + "/token";
  std::ofstream(token_file) << "0123456789abcdef0123456789abcdef\n";
  StartServer({"--token-file", token_file});
  EXPECT_EQ(Get("/streams").status, 401);
  EXPECT_EQ(Get("/metrics").status, 401);
  EXPECT_EQ(Get("/streams", "Authorization: Bearer wrong-token-wrong-token\r\n").status, 401);
  EXPECT_EQ(Get("/streams", "Authorization: Bearer 0123456789abcdef0123456789abcdef\r\n").status,
            200);
  EXPECT_EQ(Get("/").status, 200);  // the page itself asks for the token
  LiveClient live;
  EXPECT_EQ(live.Open(server_.port(), Path("/live")), 401);
}

TEST_F(ServeRestTest, RefusesToListenBeyondLoopbackWithoutAToken) {
  ServeProcess open;
  open.set_listen("0.0.0.0:0");
  EXPECT_FALSE(open.Start({}));
  int status = 0;
  ASSERT_TRUE(open.child().Wait(&status, std::chrono::seconds(20)));
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0);
}

}  // namespace
}  // namespace evbus::testutil
