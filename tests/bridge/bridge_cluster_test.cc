// Bridge out and bridge in through a real three-node JetStream cluster
// (replicas 3, file storage), with kill -9 of the bridges and of a node and
// a stalled node (SIGSTOP) while traffic flows. After each: JetStream holds
// every event exactly once and stream B is identical to stream A.
// EVBUS_BRIDGE_ROUNDS sets the rounds of each fault (default 3; the soak
// target runs many more).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "stream/shared_secrets.h"
#include "tests/bridge/bridge_checks.h"

namespace evbus::bridge::testing {
namespace {

int Rounds() {
  const char* v = std::getenv("EVBUS_BRIDGE_ROUNDS");
  return v != nullptr && std::atoi(v) > 0 ? std::atoi(v) : 3;
}

class BridgeClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto start = std::chrono::steady_clock::now();
    cluster_ = new NatsCluster(3);
    StreamSpec spec;
    spec.create = true;
    spec.replicas = 3;
    ready_ = cluster_->WaitReady(spec, NatsConfig{}, std::chrono::seconds(60));
    std::printf("3-node JetStream cluster ready in %.1f s (%d start(s))\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                cluster_->attempts());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(ready_) << "the 3-node cluster had no JetStream leader: " << cluster_->failure();
    const std::string base = "brt" + std::to_string(::getpid()) + "_" +
                             ::testing::UnitTest::GetInstance()->current_test_info()->name();
    a_ = base.substr(0, 50) + "_A";
    b_ = base.substr(0, 50) + "_B";
    Cleanup();
    auto created = shm::Segment::Create(a_, "", shm::SegmentOptions{});
    ASSERT_TRUE(created.ok()) << created.status().message();
    seed_ = static_cast<unsigned>(std::random_device{}());
    rng_.seed(seed_);
    std::printf("seed %u\n", seed_);
  }
  void TearDown() override { Cleanup(); }
  void Cleanup() {
    (void)shm::Segment::Remove(a_, "");
    (void)shm::Segment::Remove(b_, "");
    std::remove(BridgeStatusPath(a_, "", "out").c_str());
    (void)SharedSecrets::Remove(a_, "");
    std::remove(BridgeStatusPath(b_, "", "in").c_str());
  }

  std::vector<std::string> NatsArgs() const { return {"--nats", cluster_->Urls()}; }
  std::unique_ptr<testutil::ChildProcess> Out(const std::string& log) {
    auto args = NatsArgs();
    args.insert(args.end(), {"--window", "64"});
    return StartBridge(cluster_->dir(), "out", a_, args, log);
  }
  std::unique_ptr<testutil::ChildProcess> In(const std::string& log) {
    auto args = NatsArgs();
    args.insert(args.end(), {"--from", a_});
    return StartBridge(cluster_->dir(), "in", b_, args, log);
  }
  std::unique_ptr<testutil::ChildProcess> Publisher(const std::string& tag, int count) {
    return StartPublisher(cluster_->dir(), a_, EventLines(tag, count, 512), a_ + tag);
  }
  static void WaitExit(testutil::ChildProcess* p) {
    int status = 0;
    ASSERT_TRUE(p->Wait(&status, std::chrono::seconds(60))) << "a publisher did not finish";
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a publisher failed; publishers' stderr:\n"
        << Files(".err");
  }
  static std::string Files(const std::string& suffix) {
    std::string out;
    for (const auto& e : std::filesystem::directory_iterator(cluster_->dir())) {
      const std::string name = e.path().filename().string();
      if (name.ends_with(suffix)) out += "== " + name + "\n" + ReadFile(e.path().string());
    }
    return out;
  }
  std::uint64_t HeadOf(const std::string& stream) {
    auto segment = shm::Segment::Open(stream, "");
    return segment.ok() ? SegmentHead(**segment) : 0;
  }

  // JetStream holds ids 0..n-1 once each, and B equals A.
  void ExpectExactlyOnce() {
    const std::uint64_t n = HeadOf(a_);
    ASSERT_GT(n, 0u);
    ASSERT_TRUE(WaitHead(b_, n, std::chrono::seconds(30)))
        << "B reached " << HeadOf(b_) << " of " << n << "; bridge logs:\n"
        << BridgeLogs();
    std::vector<std::uint64_t> ids = JetStreamIds(cluster_->Urls(), SubjectFor("evbus", "", a_));
    ASSERT_EQ(ids.size(), n) << "JetStream holds " << ids.size() << " messages for " << n
                             << " events (duplicates or losses)";
    std::sort(ids.begin(), ids.end());
    for (std::uint64_t i = 0; i < n; ++i) ASSERT_EQ(ids[i], i) << "id " << i << " missing";
    // What both rings still hold (a long soak laps them): the same newest ids.
    const auto ring_a = ReadRing(a_), ring_b = ReadRing(b_);
    ASSERT_FALSE(ring_a.empty() || ring_b.empty());
    ASSERT_EQ(ring_a.back().id, n - 1);
    ASSERT_EQ(ring_b.back().id, n - 1);
    const std::size_t k = std::min(ring_a.size(), ring_b.size());
    ASSERT_GE(k, std::min<std::uint64_t>(n, 32768));
    // A bridge in killed anywhere in a record, also between its claim CAS
    // and its claimant store (its claim intent marks the id then), is
    // finished by the next run: no id abandoned on B that A has.
    for (std::size_t j = 0; j < k; ++j) {
      const RingEntry& ea = ring_a[ring_a.size() - k + j];
      const RingEntry& eb = ring_b[ring_b.size() - k + j];
      ASSERT_EQ(ea, eb) << "id " << ea.id << "; bridge logs:\n" << BridgeLogs();
    }
  }
  // kill -9 of a bridge in stopped at local id 137 by the test-only variable;
  // a local reader then waits on 137 for `reader_ms` before the restart.
  void KillBridgeInStoppedAt(const std::string& stop_variable, int reader_ms);
  std::string BridgeLogs() const {
    std::string out;
    for (const auto& e : std::filesystem::directory_iterator(cluster_->dir())) {
      const std::string name = e.path().filename().string();
      if (name.ends_with(".log") && !(name.size() == 9 && name.starts_with("node"))) {
        const std::string text = ReadFile(e.path().string());
        out += "== " + name + "\n" + text;
      }
    }
    return out;
  }
  // Waits (at most 30 s) until process `pid` is stopped (state T).
  static bool WaitStopped(pid_t pid) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
      const std::size_t paren = stat.rfind(')');
      if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'T') {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void PauseRandomly(int lo_ms, int hi_ms) {
    std::uniform_int_distribution<int> d(lo_ms, hi_ms);
    std::this_thread::sleep_for(std::chrono::milliseconds(d(rng_)));
  }

  static NatsCluster* cluster_;
  static bool ready_;
  std::string a_, b_;
  unsigned seed_ = 0;
  std::mt19937 rng_;
};

NatsCluster* BridgeClusterTest::cluster_ = nullptr;
bool BridgeClusterTest::ready_ = false;

TEST_F(BridgeClusterTest, MirrorsAToBWithSameIdsBytesAndOrder) {
  auto out = Out("mirror_out.log");
  auto in = In("mirror_in.log");
  auto p1 = Publisher("p1", 200), p2 = Publisher("p2", 200), p3 = Publisher("p3", 200);
  WaitExit(p1.get());
  WaitExit(p2.get());
  WaitExit(p3.get());
  ASSERT_EQ(HeadOf(a_), 600u);
  ExpectExactlyOnce();
}

TEST_F(BridgeClusterTest, KillNineOfBridgeOutAtRandomMomentsLosesAndDuplicatesNothing) {
  // A backlog, so that each kill finds publishes in flight (sent, or still in
  // the client's buffers, and not acknowledged).
  // At most 40000 events in all: the ring's 65536 index entries hold them
  // all, so producers never wait on the killed bridge's durable cursor.
  WaitExit(Publisher("backlog", std::min(1000 * Rounds(), 20000)).get());
  auto publisher = Publisher("k", std::min(400 * Rounds(), 20000));
  for (int round = 0; round < Rounds(); ++round) {
    auto out = Out("kill_out.log");
    PauseRandomly(10, 150);
    ASSERT_TRUE(out->KillAndReap());
  }
  WaitExit(publisher.get());
  auto out = Out("kill_out.log");
  auto in = In("kill_in.log");
  ExpectExactlyOnce();
}

TEST_F(BridgeClusterTest, KillNineOfBridgeInResumesWithoutGapOrDuplicate) {
  auto out = Out("killin_out.log");
  auto publisher = Publisher("i", 400 * Rounds());
  for (int round = 0; round < Rounds(); ++round) {
    auto in = In("killin_in.log");
    PauseRandomly(50, 500);
    ASSERT_TRUE(in->KillAndReap());
  }
  WaitExit(publisher.get());
  auto in = In("killin_in.log");
  ExpectExactlyOnce();
  const std::string log = ReadFile(cluster_->dir() + "/killin_in.log");
  int finished = 0;
  for (std::size_t at = 0;
       (at = log.find("left unfinished by the previous", at)) != std::string::npos; ++at) {
    ++finished;
  }
  std::printf("%d of %d kills landed between a claim and its commit (finished by the next run)\n",
              finished, Rounds());
}

// Bridge in stopped (SIGSTOP, a test-only hook) right after it claimed
// local id K and before it wrote it (or earlier: between its claim CAS and
// its claimant store), then killed with -9 there: local readers do not
// abandon K, and the next bridge in finishes K with the same record, so B
// equals A with no abandoned id. Bridge in holds its claims, so that holds
// also when the restart comes after the abandon timeout (2 s by default).
void BridgeClusterTest::KillBridgeInStoppedAt(const std::string& stop_variable, int reader_ms) {
  auto out = Out("claim_out.log");
  WaitExit(Publisher("c", 300).get());
  const std::uint64_t k = 137;
  testutil::ChildProcess in;
  ASSERT_TRUE(in.Start({"/bin/sh", "-c",
                        stop_variable + "=" + std::to_string(k) + " exec " + EvbusPath() +
                            " bridge in " + b_ + " --nats " + cluster_->Urls() + " --from " + a_},
                       (cluster_->dir() + "/claim_in.log").c_str()));
  ASSERT_TRUE(WaitStopped(in.pid())) << "bridge in did not stop at id " << k << "; its log:\n"
                                     << ReadFile(cluster_->dir() + "/claim_in.log");
  auto segment = shm::Segment::Open(b_, "");
  ASSERT_TRUE(segment.ok()) << segment.status().message();
  ASSERT_EQ(k + 1, SegmentHead(**segment));
  const std::uint64_t commit = (*segment)->index_entry(k)->commit.load();
  ASSERT_NE(shm::CommittedValue(k), commit);
  ASSERT_NE(shm::AbandonedValue(k), commit);
  ASSERT_TRUE(in.KillAndReap());
  {
    // A reader waiting on K (an ordinary dead claim is abandoned within 5 ms).
    shm::SubscriberOptions so;
    so.name = "claim-reader";
    so.start = shm::StartAt::kAtId;
    so.start_id = k;
    auto sub = shm::Subscriber::Attach(segment->get(), so);
    ASSERT_TRUE(sub.ok()) << sub.status().message();
    shm::Record r;
    for (int i = 0; i < reader_ms / 10; ++i) {
      ASSERT_EQ(shm::ReadStatus::kEmpty, (*sub)->Read(&r, 10'000'000))
          << "id " << k << " of the killed bridge in was not left for the next one";
    }
  }
  auto restarted = In("claim_in.log");
  ExpectExactlyOnce();
  for (const RingEntry& e : ReadRing(b_)) {
    ASSERT_EQ(shm::ReadStatus::kRecord, e.status) << "id " << e.id << " is not a record on B";
  }
  EXPECT_NE(ReadFile(cluster_->dir() + "/claim_in.log")
                .find("id " + std::to_string(k) + " of 'evbus." + b_ +
                      "' was left unfinished by the previous bridge in: finishing it"),
            std::string::npos);
}

TEST_F(BridgeClusterTest, KillNineOfBridgeInBetweenClaimAndCommitLeavesNoAbandonedId) {
  KillBridgeInStoppedAt("EVBUS_TEST_BRIDGE_IN_STOP_AFTER_CLAIM", 300);
}

TEST_F(BridgeClusterTest, KillNineOfBridgeInBeforeItsClaimantStoreLeavesNoAbandonedId) {
  // The reader waits past the default abandon timeout (2 s): a held claim.
  KillBridgeInStoppedAt("EVBUS_TEST_BRIDGE_IN_STOP_BEFORE_CLAIMANT", 2500);
}

TEST_F(BridgeClusterTest, NodeKilledOrStalledWhileTrafficFlows) {
  // Only in make test-bridge-soak (EVBUS_BRIDGE_ROUNDS set): in make test on
  // two loaded cores it failed at times (JetStream read back 285 of 300
  // events while a node recovered, and under ASan elections outlasted the
  // waits), an open issue of docs/multi-host.md.
  if (std::getenv("EVBUS_BRIDGE_ROUNDS") == nullptr) {
    GTEST_SKIP() << "node kill/stall runs in make test-bridge-soak (EVBUS_BRIDGE_ROUNDS)";
  }
  auto out = Out("node_out.log");
  auto in = In("node_in.log");
  for (int round = 0; round < Rounds(); ++round) {
    const int node = round % cluster_->size();
    auto publisher = Publisher("n" + std::to_string(round), 300);
    PauseRandomly(20, 200);
    if (round % 2 == 0) {
      cluster_->KillNode(node);
      PauseRandomly(200, 800);
      cluster_->StartNode(node);
    } else {
      cluster_->Signal(node, SIGSTOP);
      PauseRandomly(500, 1500);
      cluster_->Signal(node, SIGCONT);
    }
    WaitExit(publisher.get());
    ExpectExactlyOnce();
  }
}

TEST_F(BridgeClusterTest, NoRegisteredSecretReachesJetStreamStorage) {
  const std::string secret = "sk-evbus-" + std::to_string(seed_) + "-do-not-leak";
  const std::string visible = "visible-" + std::to_string(seed_);
  testutil::ChildProcess set;
  ASSERT_TRUE(set.Start(
      {"/bin/sh", "-c",
       "echo '{\"API_KEY\": \"" + secret + "\"}' | " + EvbusPath() + " secrets " + a_ + " set"}));
  int status = 0;
  ASSERT_TRUE(set.Wait(&status, std::chrono::seconds(10)));
  auto out = Out("secret_out.log");
  auto in = In("secret_in.log");
  WaitExit(
      StartPublisher(cluster_->dir(), a_, EventLines(visible, 50, 512, secret), a_ + "s").get());
  ExpectExactlyOnce();
  std::string stored;  // every byte of the nodes' JetStream data directories
  for (int node = 0; node < cluster_->size(); ++node) {
    const std::string data = cluster_->dir() + "/n" + std::to_string(node);
    for (const auto& e : std::filesystem::recursive_directory_iterator(data)) {
      if (e.is_regular_file()) stored += ReadFile(e.path().string());
    }
  }
  EXPECT_NE(stored.find(visible), std::string::npos) << "the scan found no event at all";
  EXPECT_EQ(stored.find(secret), std::string::npos) << "a registered secret reached JetStream";
}

}  // namespace
}  // namespace evbus::bridge::testing
