// `evbus inspect` end to end: the real binary against a segment this test
// puts in a known state (a producer with a claim in flight, a durable
// "persister" registration and a caught-up "server" subscriber), checking
// every number of the JSON frame, the Prometheus exposition, --watch and the
// errors.
#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/event.h"
#include "core/event_publish.h"
#include "core/redactor.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "shm/stats.h"
#include "shm/subscriber.h"
#include "tests/testutil/temp_dir.h"
#include "tests/tools/exposition_checker.h"

namespace evbus {
namespace {

const std::string kEvbus = std::string(EVBUS_BINARY_DIR) + "/evbus";
constexpr char kSecret[] = "s3cr3t-token-XYZ-123";
constexpr int kPublished = 10;
constexpr int kPersisterRead = 7;

// The pause hook parks the producer between claim and commit until released.
std::promise<std::uint64_t>* g_claimed = nullptr;
std::shared_future<void>* g_release = nullptr;
void ParkAfterClaim(std::uint64_t id) {
  g_claimed->set_value(id);
  g_release->wait();
}

struct Output {
  int exit_code = -1;
  std::string out, err;
};

class InspectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kEvbus.c_str(), X_OK), 0) << kEvbus << " missing: build the evbus target";
    static int tests = 0;  // names stay short: stream names are at most 64 characters
    stream_ = "inspect-test-" + std::to_string(::getpid()) + "-" + std::to_string(++tests);
    shm::SegmentOptions options;
    options.data_capacity = 1 << 20;
    options.max_record_size = 64 << 10;
    options.index_slots = 1024;
    ASSERT_TRUE(shm::Segment::Create(stream_, "", options, &segment_).ok());
  }

  void TearDown() override {
    Release();
    persister_.reset();
    server_.reset();
    producer_.reset();
    (void)shm::Segment::Remove(stream_, "");
  }

  // Ten events (every second one from the user, the last carrying the
  // secret), a durable "persister" that read 7, a "server" that read all,
  // and id 10 claimed but not committed.
  void MakeKnownState() {
    ASSERT_TRUE(shm::Producer::Attach(segment_.get(), "agent", &producer_).ok());
    ASSERT_TRUE(redactor_.SetSecrets({{"token", kSecret}}).ok());
    std::string scratch;
    for (int i = 0; i < kPublished; ++i) {
      auto event = ParseEvent(R"({"action":"message","args":{"content":"hi"}})");
      ASSERT_TRUE(event.ok());
      event->message = "message " + std::to_string(i) + (i == 9 ? std::string(" ") + kSecret : "");
      PublishOptions po;
      po.source = i % 2 == 0 ? Source::kUser : Source::kAgent;
      ASSERT_TRUE(PublishEvent(*producer_, redactor_, po, &*event, &scratch).ok());
    }
    shm::SubscriberOptions durable{"persister", true};
    ASSERT_TRUE(shm::Subscriber::Attach(segment_.get(), durable, &persister_).ok());
    shm::Record rec;
    for (int i = 0; i < kPersisterRead; ++i) {
      ASSERT_EQ(persister_->TryRead(&rec), shm::ReadStatus::kRecord);
    }
    shm::SubscriberOptions live{"server", false};
    ASSERT_TRUE(shm::Subscriber::Attach(segment_.get(), live, &server_).ok());
    for (int i = 0; i < kPublished; ++i)
      ASSERT_EQ(server_->TryRead(&rec), shm::ReadStatus::kRecord);
    ASSERT_EQ(server_->TryRead(&rec), shm::ReadStatus::kEmpty);  // publishes its cursor
    ParkOneClaim();
  }

  void ParkOneClaim() {
    std::promise<std::uint64_t> claimed;
    release_future_ = release_.get_future().share();
    g_claimed = &claimed;
    g_release = &release_future_;
    shm::testing::SetPauseAfterClaimHook(ParkAfterClaim);
    parked_ = std::thread([this] {
      auto event = ParseEvent(R"({"action":"message","args":{"content":"late"}})");
      std::string scratch;
      PublishOptions po;
      po.source = Source::kAgent;
      (void)PublishEvent(*producer_, redactor_, po, &*event, &scratch);
    });
    auto got = claimed.get_future();
    ASSERT_EQ(got.wait_for(std::chrono::seconds(20)), std::future_status::ready);
    ASSERT_EQ(got.get(), static_cast<std::uint64_t>(kPublished));
    shm::testing::SetPauseAfterClaimHook(nullptr);
  }

  void Release() {
    if (!parked_.joinable()) return;
    release_.set_value();
    parked_.join();
  }

  // Runs the binary; stdout to a pipe (returned fd) or a file, stderr to a file.
  pid_t Start(const std::vector<std::string>& args, int* stdout_fd) {
    int fds[2];
    if (::pipe(fds) != 0) return -1;
    const std::string err = dir_.path() + "/err" + std::to_string(++runs_);
    pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::close(fds[0]);
      ::close(fds[1]);
      if (std::freopen(err.c_str(), "wb", stderr) == nullptr) std::_Exit(126);
      std::vector<char*> argv{const_cast<char*>(kEvbus.c_str())};
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(kEvbus.c_str(), argv.data());
      std::_Exit(127);
    }
    ::close(fds[1]);
    *stdout_fd = fds[0];
    return pid;
  }

  // Reads from `fd` until `done(text)` or EOF or a 30 s deadline.
  template <typename Done>
  static bool ReadUntil(int fd, std::string* text, Done done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    char buf[4096];
    while (!done(*text)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) return false;  // EOF
      text->append(buf, static_cast<std::size_t>(n));
    }
    return true;
  }

  Output Finish(pid_t pid, int fd, std::string out) {
    Output r;
    ReadUntil(fd, &out, [](const std::string&) { return false; });  // to EOF
    ::close(fd);
    int status = 0;
    if (::waitpid(pid, &status, 0) == pid && WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = std::move(out);
    std::ifstream in(dir_.path() + "/err" + std::to_string(runs_));
    r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return r;
  }

  Output Run(const std::vector<std::string>& args) {
    int fd = -1;
    pid_t pid = Start(args, &fd);
    return Finish(pid, fd, "");
  }

  std::string stream_;
  std::unique_ptr<shm::Segment> segment_;
  Redactor redactor_;
  std::unique_ptr<shm::Producer> producer_;
  std::unique_ptr<shm::Subscriber> persister_, server_;
  std::promise<void> release_;
  std::shared_future<void> release_future_;
  std::thread parked_;
  testutil::TempDir dir_{"evbus_inspect_test"};
  int runs_ = 0;
};

const rapidjson::Value& Member(const rapidjson::Value& v, const char* name) {
  static const rapidjson::Value kNull;
  auto it = v.FindMember(name);
  return it == v.MemberEnd() ? kNull : it->value;
}

TEST_F(InspectTest, JsonFrameShowsTheSegmentsKnownStateExactly) {
  ASSERT_NO_FATAL_FAILURE(MakeKnownState());
  const shm::SegmentStats truth = shm::Snapshot(*segment_);
  const std::string before(reinterpret_cast<const char*>(&segment_->header()),
                           segment_->size_bytes());
  Output r = Run({"inspect", stream_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Read-only: not one byte of the segment changed.
  EXPECT_EQ(std::memcmp(before.data(), &segment_->header(), before.size()), 0);
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  rapidjson::Document d;
  d.Parse(r.out.c_str());
  ASSERT_FALSE(d.HasParseError()) << r.out;
  EXPECT_EQ(std::string(Member(d, "stream").GetString()), stream_);
  const auto& layout = Member(d, "layout");
  EXPECT_EQ(Member(layout, "version").GetUint(), shm::kLayoutVersion);
  EXPECT_EQ(Member(layout, "capacity_bytes").GetUint64(), 1u << 20);
  EXPECT_EQ(Member(layout, "index_entries").GetUint(), 1024u);
  EXPECT_EQ(Member(layout, "max_event_bytes").GetUint(), 64u << 10);
  EXPECT_EQ(Member(layout, "segment_bytes").GetUint64(), segment_->size_bytes());
  EXPECT_EQ(Member(d, "next_id").GetUint64(), kPublished + 1u);  // id 10 is claimed
  EXPECT_EQ(Member(d, "events_published").GetUint64(), kPublished + 1u);
  EXPECT_EQ(Member(d, "claimed_bytes").GetUint64(), truth.tail);
  EXPECT_EQ(Member(d, "events_per_second").GetDouble(), 0.0);  // nothing moved meanwhile
  EXPECT_GE(Member(d, "rate_interval_seconds").GetDouble(), 0.2);

  const auto& producers = Member(d, "producers");
  ASSERT_EQ(producers.Size(), 1u);
  EXPECT_EQ(std::string(Member(producers[0], "name").GetString()), "agent");
  EXPECT_EQ(Member(producers[0], "pid").GetInt(), ::getpid());
  EXPECT_TRUE(Member(producers[0], "alive").GetBool());
  EXPECT_EQ(Member(producers[0], "events_published").GetUint64(), kPublished + 0u);
  EXPECT_TRUE(Member(producers[0], "in_flight").GetBool());
  EXPECT_EQ(Member(producers[0], "in_flight_id").GetUint64(), kPublished + 0u);

  const auto& subs = Member(d, "subscribers");
  ASSERT_EQ(subs.Size(), 2u);
  const auto& p = subs[0];
  EXPECT_EQ(std::string(Member(p, "name").GetString()), "persister");
  EXPECT_TRUE(Member(p, "durable").GetBool());
  EXPECT_TRUE(Member(p, "alive").GetBool());
  EXPECT_EQ(Member(p, "pid").GetInt(), ::getpid());
  EXPECT_EQ(Member(p, "cursor").GetUint64(), kPersisterRead + 0u);
  EXPECT_EQ(Member(p, "lag_events").GetUint64(), kPublished + 1u - kPersisterRead);
  EXPECT_EQ(Member(p, "lag_bytes").GetUint64(), truth.tail - truth.subscribers[0].byte_pos);
  EXPECT_GT(Member(p, "lag_bytes").GetUint64(), 0u);
  EXPECT_EQ(Member(p, "delivered").GetUint64(), kPersisterRead + 0u);
  EXPECT_EQ(Member(p, "gaps").GetUint64(), 0u);
  const auto& s = subs[1];
  EXPECT_EQ(std::string(Member(s, "name").GetString()), "server");
  EXPECT_FALSE(Member(s, "durable").GetBool());
  EXPECT_EQ(Member(s, "cursor").GetUint64(), kPublished + 0u);
  EXPECT_EQ(Member(s, "lag_events").GetUint64(), 1u);
  EXPECT_EQ(Member(s, "delivered").GetUint64(), kPublished + 0u);
  EXPECT_EQ(Member(s, "delivered_per_second").GetDouble(), 0.0);

  const auto& persister = Member(d, "persister");
  ASSERT_TRUE(persister.IsObject());
  EXPECT_TRUE(Member(persister, "alive").GetBool());
  EXPECT_EQ(Member(persister, "durable_id").GetInt64(), kPersisterRead - 1);
  EXPECT_EQ(Member(persister, "lag_events").GetUint64(), kPublished + 1u - kPersisterRead);

  const auto& recent = Member(d, "recent_events");
  ASSERT_EQ(recent.Size(), 5u);
  EXPECT_EQ(Member(recent[0], "id").GetUint64(), 10u);
  EXPECT_EQ(std::string(Member(recent[0], "status").GetString()), "in_flight");
  for (rapidjson::SizeType i = 1; i < 5; ++i) {
    const std::uint64_t id = 10 - i;
    EXPECT_EQ(Member(recent[i], "id").GetUint64(), id);
    EXPECT_EQ(std::string(Member(recent[i], "status").GetString()), "ok");
    EXPECT_EQ(std::string(Member(recent[i], "type").GetString()), "MessageAction");
    EXPECT_EQ(std::string(Member(recent[i], "source").GetString()), id % 2 == 0 ? "user" : "agent");
  }
  EXPECT_EQ(std::string(Member(recent[1], "excerpt").GetString()), "message 9 <secret_hidden>");
  EXPECT_EQ(std::string(Member(recent[4], "excerpt").GetString()), "message 6");
  EXPECT_EQ(r.out.find(kSecret), std::string::npos);
}

TEST_F(InspectTest, PrometheusOutputIsValidExpositionWithTheSameFigures) {
  ASSERT_NO_FATAL_FAILURE(MakeKnownState());
  Output r = Run({"inspect", stream_, "--prometheus"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  testutil::Exposition x = testutil::CheckExposition(r.out);
  for (const std::string& problem : x.problems) ADD_FAILURE() << problem;
  const std::string base = "{stream=\"" + stream_ + "\",user=\"\"";
  auto value = [&](const std::string& key) {
    auto it = x.samples.find(key);
    EXPECT_NE(it, x.samples.end()) << key << " missing from:\n" << r.out;
    return it == x.samples.end() ? -1.0 : it->second;
  };
  EXPECT_EQ(value("evbus_events_published_total" + base + "}"), kPublished + 1);
  EXPECT_EQ(value("evbus_ring_capacity_bytes" + base + "}"), 1 << 20);
  EXPECT_EQ(value("evbus_persister_durable_id" + base + "}"), kPersisterRead - 1);
  EXPECT_EQ(value("evbus_persister_lag_events" + base + "}"), kPublished + 1 - kPersisterRead);
  const std::string pid = std::to_string(::getpid());
  const std::string producer =
      base + ",producer_slot=\"0\",producer_name=\"agent\",producer_pid=\"" + pid + "\"}";
  EXPECT_EQ(value("evbus_producer_events_published_total" + producer), kPublished);
  EXPECT_EQ(value("evbus_producer_in_flight_claims" + producer), 1);
  const std::string server =
      base + ",subscriber_slot=\"1\",subscriber_name=\"server\",subscriber_pid=\"" + pid + "\"}";
  EXPECT_EQ(value("evbus_subscriber_cursor_id" + server), kPublished);
  EXPECT_EQ(value("evbus_subscriber_delivered_events_total" + server), kPublished);
  EXPECT_EQ(x.types["evbus_subscriber_delivered_events_total"], "counter");
  EXPECT_EQ(x.types["evbus_subscriber_lag_bytes"], "gauge");

  // promtool (Debian package prometheus) when it is installed.
  if (::access("/usr/bin/promtool", X_OK) == 0) {
    const std::string file = dir_.path() + "/metrics.prom";
    std::ofstream(file) << r.out;
    const std::string cmd =
        "/usr/bin/promtool check metrics < " + file + " > " + file + ".lint 2>&1";
    std::ifstream lint_in;
    const int rc = std::system(cmd.c_str());
    lint_in.open(file + ".lint");
    std::string lint((std::istreambuf_iterator<char>(lint_in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(rc, 0) << lint;
    EXPECT_EQ(lint, "") << lint;
  }
}

TEST_F(InspectTest, WatchPrintsFramesUntilSigterm) {
  ASSERT_NO_FATAL_FAILURE(MakeKnownState());
  for (const bool json : {true, false}) {
    std::vector<std::string> args{"inspect", stream_, "--watch", "0.05"};
    if (json) args.push_back("--json");
    int fd = -1;
    const pid_t pid = Start(args, &fd);
    ASSERT_GT(pid, 0);
    std::string out;
    // Text frames (stdout is a pipe, not a terminal) are separated by a blank line.
    const std::string frame_start = json ? "{\"stream\"" : "stream \"" + stream_ + "\"";
    auto frames = [&](const std::string& text) {
      std::size_t n = 0;
      for (auto at = text.find(frame_start); at != std::string::npos;
           at = text.find(frame_start, at + 1)) {
        ++n;
      }
      return n;
    };
    EXPECT_TRUE(ReadUntil(fd, &out, [&](const std::string& t) { return frames(t) >= 3; })) << out;
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    Output r = Finish(pid, fd, out);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_GE(frames(r.out), 3u);
    EXPECT_EQ(r.out.find("\x1b["), std::string::npos);  // no screen control into a pipe
    if (json) {
      for (std::size_t at = 0, end; (end = r.out.find('\n', at)) != std::string::npos;
           at = end + 1) {
        rapidjson::Document d;
        d.Parse(r.out.c_str() + at, end - at);
        EXPECT_FALSE(d.HasParseError()) << r.out.substr(at, end - at);
      }
    } else {
      EXPECT_NE(r.out.find("\n\nstream \"" + stream_ + "\""), std::string::npos) << r.out;
    }
  }
}

TEST_F(InspectTest, WatchStopsWhenTheStreamIsDestroyed) {
  int fd = -1;
  const pid_t pid = Start({"inspect", stream_, "--watch", "0.05", "--json"}, &fd);
  std::string out;
  ASSERT_TRUE(ReadUntil(fd, &out, [](const std::string& t) { return t.find('\n') != t.npos; }));
  ASSERT_TRUE(shm::Segment::Remove(stream_, "").ok());
  Output r = Finish(pid, fd, out);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stream \"" + stream_ + "\" was destroyed"), std::string::npos) << r.err;
}

TEST_F(InspectTest, UnknownStreamSaysHowToCreateIt) {
  Output r = Run({"inspect", "no-such-stream-" + std::to_string(::getpid())});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  const std::string name = "no-such-stream-" + std::to_string(::getpid());
  EXPECT_NE(
      r.err.find("stream \"" + name + "\" does not exist; create it with: evbus create " + name),
      std::string::npos)
      << r.err;
}

TEST_F(InspectTest, WrongUserIsAStreamThatDoesNotExist) {
  Output r = Run({"inspect", stream_, "--user", "bob"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stream \"" + stream_ +
                       "\" (user \"bob\") does not exist; create it "
                       "with: evbus create " +
                       stream_ + " --user bob"),
            std::string::npos)
      << r.err;
}

TEST_F(InspectTest, BadFlagsAreUsageErrors) {
  const std::vector<std::vector<std::string>> cases = {
      {"inspect"},
      {"inspect", stream_, "--watch", "0"},
      {"inspect", stream_, "--watch", "soon"},
      {"inspect", stream_, "--watch", "-1"},
      {"inspect", stream_, "--watch"},
      {"inspect", stream_, "--json", "--prometheus"},
      {"inspect", stream_, "--color"},
      {"inspect", "bad/name"},
      {"inspect", stream_, "extra"},
  };
  for (const auto& args : cases) {
    Output r = Run(args);
    EXPECT_EQ(r.exit_code, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err.rfind("evbus inspect: ", 0), 0u) << r.err;
  }
}

}  // namespace
}  // namespace evbus
