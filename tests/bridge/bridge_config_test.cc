// Bridge configuration errors against a real single nats-server: each is one
// clear line on stderr and exit status 1 within a bound, never a hang; and a
// password given to a bridge never shows in what it prints.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "bridge/event_message.h"
#include "shm/producer.h"
#include "tests/bridge/bridge_checks.h"

namespace evbus::bridge::testing {
namespace {

constexpr char kPassword[] = "pw-3vbus-n0t-pr1nted";

class BridgeConfigTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new NatsCluster(1, {"--user", "bridge", "--pass", kPassword});
    NatsConfig auth;
    auth.user = "bridge";
    auth.password = kPassword;
    StreamSpec spec;
    spec.name = "OTHER";
    spec.subject_prefix = "taken";
    spec.create = true;
    ready_ = server_->WaitReady(spec, auth, std::chrono::seconds(30));
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(ready_) << "nats-server did not start JetStream: " << server_->failure();
    stream_ = "brc" + std::to_string(::getpid()) + "_" + std::to_string(++tests_);
    (void)shm::Segment::Remove(stream_, "");
    ASSERT_TRUE(shm::Segment::Create(stream_, "", shm::SegmentOptions{}).ok());
    WaitExit(StartPublisher(server_->dir(), stream_, EventLines("c", 5, 64), "cfg").get());
  }
  void TearDown() override {
    (void)shm::Segment::Remove(stream_, "");
    std::remove(BridgeStatusPath(stream_, "", "out").c_str());
    std::remove(BridgeStatusPath(stream_ + "_B", "", "in").c_str());
  }

  static void WaitExit(testutil::ChildProcess* p) {
    int status = 0;
    ASSERT_TRUE(p->Wait(&status, std::chrono::seconds(20)));
  }

  // Runs `evbus bridge out` with args; its exit status and stderr.
  std::pair<int, std::string> RunOut(std::vector<std::string> args) {
    const std::string log = "out_" + std::to_string(++runs_) + ".log";
    auto p = StartBridge(server_->dir(), "out", stream_, args, log);
    int status = 0;
    const auto start = std::chrono::steady_clock::now();
    bool exited = p->Wait(&status, std::chrono::seconds(15));
    if (!exited) p->KillAndReap();
    EXPECT_TRUE(exited) << "bridge out hung on a configuration error";
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
    return {exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            ReadFile(server_->dir() + "/" + log)};
  }
  std::vector<std::string> Auth() const {
    return {"--nats", server_->NodeUrl(0), "--nats-user", "bridge", "--nats-password", kPassword};
  }

  // What CrossToB saw: whether B reached the head, both bridges' logs, and
  // both rings (read before B is removed).
  struct Crossed {
    bool arrived = false;
    std::string logs;
    std::vector<RingEntry> a, b;
  };
  // A producer on stream_, with the segment it needs; null if either fails.
  struct Origin {
    std::unique_ptr<shm::Segment> segment;
    std::unique_ptr<shm::Producer> producer;
  };
  Origin AttachOrigin(const std::string& name) const {
    Origin o;
    auto segment = shm::Segment::Open(stream_, "");
    if (!segment.ok()) return o;
    o.segment = std::move(*segment);
    auto producer = shm::Producer::Attach(o.segment.get(), name);
    if (producer.ok()) o.producer = std::move(*producer);
    return o;
  }

  // Runs bridge out (creating the stream) from stream_ and bridge in into a
  // new `b` until B's head is `head` (20 s at most).
  Crossed CrossToB(const std::string& b, std::uint64_t head, const std::string& tag) {
    (void)shm::Segment::Remove(b, "");
    const std::string out_log = tag + "_out.log", in_log = tag + "_in.log";
    auto args = Auth();
    args.insert(args.end(), {"--create-stream"});
    auto out = StartBridge(server_->dir(), "out", stream_, args, out_log);
    Crossed c;
    if (WaitForLine(server_->dir() + "/" + out_log, "resumes after")) {  // stream created
      args = Auth();
      args.insert(args.end(), {"--from", stream_});
      auto in = StartBridge(server_->dir(), "in", b, args, in_log);
      c.arrived = WaitHead(b, head, std::chrono::seconds(20));
    }
    c.a = ReadRing(stream_);
    c.b = ReadRing(b);
    (void)shm::Segment::Remove(b, "");
    c.logs = ReadFile(server_->dir() + "/" + out_log) + ReadFile(server_->dir() + "/" + in_log);
    return c;
  }

  static NatsCluster* server_;
  static bool ready_;
  static inline int tests_ = 0;
  std::string stream_;
  int runs_ = 0;
};

NatsCluster* BridgeConfigTest::server_ = nullptr;
bool BridgeConfigTest::ready_ = false;

TEST_F(BridgeConfigTest, UnreachableServerIsOneLineWithinTheConnectTimeout) {
  auto [rc, err] = RunOut(
      {"--nats", "nats://127.0.0.1:" + std::to_string(FreePort()), "--connect-timeout-ms", "500"});
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("cannot reach NATS at nats://127.0.0.1:"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
}

TEST_F(BridgeConfigTest, MissingStreamWithoutCreateSaysPassCreateStream) {
  auto args = Auth();
  args.insert(args.end(), {"--stream", "NOPE", "--subject", "nope"});
  auto [rc, err] = RunOut(args);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("JetStream stream NOPE does not exist"), std::string::npos) << err;
  EXPECT_NE(err.find("--create-stream"), std::string::npos) << err;
}

TEST_F(BridgeConfigTest, SubjectOwnedByAnotherStreamIsRefused) {
  auto args = Auth();
  args.insert(args.end(), {"--stream", "MINE", "--subject", "taken", "--create-stream"});
  auto [rc, err] = RunOut(args);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("belongs to another JetStream stream, not MINE"), std::string::npos) << err;
  args = Auth();
  args.insert(args.end(), {"--stream", "OTHER", "--subject", "evbus"});
  std::tie(rc, err) = RunOut(args);
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("JetStream stream OTHER does not store subject evbus._." + stream_),
            std::string::npos)
      << err;
}

TEST_F(BridgeConfigTest, WrongCredentialsAreRefusedWithoutPrintingThem) {
  auto [rc, err] = RunOut(
      {"--nats", server_->NodeUrl(0), "--nats-user", "bridge", "--nats-password", "wrong-pw-zz"});
  EXPECT_EQ(rc, 1);
  EXPECT_NE(err.find("refused the credentials"), std::string::npos) << err;
  EXPECT_EQ(err.find("wrong-pw-zz"), std::string::npos) << err;
}

TEST_F(BridgeConfigTest, PasswordNeverAppearsInLogOrStatus) {
  auto args = Auth();
  args.insert(args.end(), {"--create-stream"});
  std::string url_with_password =
      "nats://bridge:" + std::string(kPassword) + "@" + server_->NodeUrl(0).substr(7);
  auto p = StartBridge(server_->dir(), "out", stream_, args, "pw.log");
  ASSERT_TRUE(WaitForLine(server_->dir() + "/pw.log", "resumes after"));
  // Stopped once all five events (ids 0..4) are acknowledged, so that the
  // second run resumes after id 4 (stopped earlier, it resumed after 0).
  ASSERT_TRUE(WaitForLine(BridgeStatusPath(stream_, "", "out"), "\"acknowledged_id\":4"));
  p->Kill(SIGTERM);
  int status = 0;
  ASSERT_TRUE(p->Wait(&status, std::chrono::seconds(10)));
  auto q = StartBridge(server_->dir(), "out", stream_, {"--nats", url_with_password}, "pw2.log");
  ASSERT_TRUE(WaitForLine(server_->dir() + "/pw2.log", "resumes after"));
  q->Kill(SIGTERM);
  ASSERT_TRUE(q->Wait(&status, std::chrono::seconds(10)));
  const std::string printed = ReadFile(server_->dir() + "/pw.log") +
                              ReadFile(server_->dir() + "/pw2.log") +
                              ReadFile(BridgeStatusPath(stream_, "", "out"));
  EXPECT_NE(printed.find("resumes after id 4"), std::string::npos) << printed;
  EXPECT_EQ(printed.find(kPassword), std::string::npos) << printed;
}

// An event with no source (and so no Evbus-Source value) crosses intact:
// an empty header value used to reach bridge in with no headers at all.
TEST_F(BridgeConfigTest, EventWithoutSourceCrossesTheBridge) {
  {
    Origin a = AttachOrigin("no-source");
    ASSERT_NE(a.producer, nullptr);
    shm::RecordMeta meta;  // source none, type 0
    std::uint64_t id = 0;
    ASSERT_TRUE(a.producer->Publish(meta, "{\"message\":\"no source\"}", -1, &id).ok());
    ASSERT_EQ(id, 5u);
  }
  const Crossed c = CrossToB(stream_ + "_B", 6, "ns");
  ASSERT_TRUE(c.arrived) << c.logs;
  ASSERT_EQ(c.a.size(), 6u);
  EXPECT_EQ(c.a[5].source, 0);
  EXPECT_EQ(c.a, c.b);
}

// An id the origin never had (abandoned there) crosses as a marker and is
// an abandoned id on B too, written through bridge in's producer (gated like
// any claim), with the next event after it in place.
TEST_F(BridgeConfigTest, AnIdAbandonedAtTheOriginIsAbandonedOnB) {
  {
    Origin a = AttachOrigin("with-a-hole");
    ASSERT_NE(a.producer, nullptr);
    std::uint64_t id = 0;
    ASSERT_TRUE(a.producer->PublishAbandoned(-1, &id).ok());
    ASSERT_EQ(id, 5u);
    ASSERT_TRUE(a.producer->Publish(shm::RecordMeta{}, "{\"message\":\"after\"}", -1, &id).ok());
    ASSERT_EQ(id, 6u);
  }
  const Crossed c = CrossToB(stream_ + "_B", 7, "hole");
  ASSERT_TRUE(c.arrived) << c.logs;
  ASSERT_EQ(c.b.size(), 7u);
  EXPECT_EQ(c.b[5].status, shm::ReadStatus::kAbandoned);
  EXPECT_EQ(c.b[6].body, "{\"message\":\"after\"}");
  EXPECT_EQ(c.a, c.b);
}

// JetStream stores ids 2, 3, 4 before 0 and 1 (as after publishes that
// failed during a node fault and were resent): bridge in still starts B at
// the origin's first id (sent in Evbus-Meta), so B equals A.
TEST_F(BridgeConfigTest, BridgeInStartsAtTheOriginsFirstIdWhenLaterIdsAreStoredFirst) {
  const std::string b = stream_ + "_B";
  (void)shm::Segment::Remove(b, "");
  NatsConfig config;
  config.url = server_->NodeUrl(0);
  config.user = "bridge";
  config.password = kPassword;
  auto link = NatsLink::Connect(config, nullptr);
  ASSERT_TRUE(link.ok()) << link.status().message();
  StreamSpec spec;  // EVBUS, subjects evbus.>
  spec.create = true;
  const std::string subject = SubjectFor("evbus", "", stream_);
  ASSERT_TRUE(EnsureStream(link->get(), spec, subject).ok());
  auto segment = shm::Segment::Open(stream_, "");
  ASSERT_TRUE(segment.ok());
  for (const std::uint64_t id : {2, 3, 4, 0, 1}) {
    shm::SubscriberOptions so;
    so.name = "reorder";
    so.start = shm::StartAt::kAtId;
    so.start_id = id;
    auto sub = shm::Subscriber::Attach(segment->get(), so);
    ASSERT_TRUE(sub.ok());
    shm::Record r;
    ASSERT_EQ(shm::ReadStatus::kRecord, (*sub)->Read(&r, 1'000'000'000));
    auto msg = MakeEventMessage(subject, id, &r, /*first_id=*/0);
    ASSERT_TRUE(msg.ok());
    natsMsg* m = *msg;
    ASSERT_EQ(NATS_OK, js_PublishMsg(nullptr, (*link)->js(), m, nullptr, nullptr));
    natsMsg_Destroy(m);
  }
  auto args = Auth();
  args.insert(args.end(), {"--from", stream_});
  auto in = StartBridge(server_->dir(), "in", b, args, "order_in.log");
  const bool arrived = WaitHead(b, 5, std::chrono::seconds(20));
  const auto ring_a = ReadRing(stream_), ring_b = ReadRing(b);
  (void)shm::Segment::Remove(b, "");
  ASSERT_TRUE(arrived) << ReadFile(server_->dir() + "/order_in.log");
  ASSERT_EQ(ring_a.size(), 5u);
  EXPECT_EQ(ring_a, ring_b) << ReadFile(server_->dir() + "/order_in.log");
}

// Runs `evbus inspect stream extra...` and returns its stdout.
std::string Inspect(const std::string& stream, const std::string& extra) {
  testutil::ChildProcess p;
  p.Start({"/bin/sh", "-c", EvbusPath() + " inspect " + stream + " " + extra});
  std::string out, line;
  while (p.ReadLine(&line, std::chrono::seconds(10))) out += line + "\n";
  int status = 0;
  p.Wait(&status, std::chrono::seconds(10));
  return out;
}

TEST_F(BridgeConfigTest, InspectShowsTheBridgeInTextAndPrometheus) {
  auto args = Auth();
  args.insert(args.end(), {"--create-stream"});
  auto out = StartBridge(server_->dir(), "out", stream_, args, "inspect_out.log");
  ASSERT_TRUE(WaitForLine(BridgeStatusPath(stream_, "", "out"), "\"acknowledged_id\":4"));
  const std::string text = Inspect(stream_, "");
  EXPECT_NE(text.find("bridge out running (pid " + std::to_string(out->pid()) + ") " +
                      server_->NodeUrl(0) + " evbus._." + stream_ +
                      ": acknowledged id 4, lag 0, in flight 0, reconnects 0"),
            std::string::npos)
      << text;
  const std::string prom = Inspect(stream_, "--prometheus");
  EXPECT_NE(prom.find("evbus_bridge_acknowledged_id{stream=\"" + stream_ +
                      "\",user=\"\",role=\"out\",server=\"" + server_->NodeUrl(0) +
                      "\",subject=\"evbus._." + stream_ + "\"} 4"),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("# TYPE evbus_bridge_reconnects_total counter"), std::string::npos);
  EXPECT_EQ((text + prom).find(kPassword), std::string::npos);
  ASSERT_TRUE(out->KillAndReap());  // no last word: the file still says running
  const std::string after = Inspect(stream_, "");
  EXPECT_NE(
      after.find("bridge out not running (last: running) (pid " + std::to_string(out->pid()) + ")"),
      std::string::npos)
      << after;
}

}  // namespace
}  // namespace evbus::bridge::testing
