// `evbus inspect` shows the per-callback figures of EventStream processes
// (their metrics files in /dev/shm): delivered, failures, queue depth and
// latency percentiles, in JSON and in the Prometheus exposition.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "base/temp_dir.h"
#include "shm/segment.h"
#include "stream/event_stream.h"
#include "stream/metrics_reader.h"
#include "stream/shared_secrets.h"
#include "tests/tools/exposition_checker.h"

namespace evbus {
namespace {

const std::string kEvbus = std::string(EVBUS_BINARY_DIR) + "/evbus";

// stdout of a shell command line, and its exit code.
std::string RunShell(const std::string& command, int* exit_code) {
  std::string out;
  std::FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int status = ::pclose(p);
  *exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

std::string RunEvbus(const std::string& args, int* exit_code) {
  return RunShell(kEvbus + " " + args, exit_code);
}

// A stream with two callbacks of this process: "counter" (server) counts
// deliveries, "thrower" (runtime) throws on id 1.
class InspectCallbacksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kEvbus.c_str(), X_OK), 0) << kEvbus << " missing: build the evbus target";
    EventStreamOptions options;
    options.store_root = dir_.path();
    options.capacity = 1 << 20;
    options.max_event_size = 64 << 10;
    options.log = [](const std::string&) {};  // the throwing callback is expected
    auto stream = EventStream::Open(name_, options);
    ASSERT_TRUE(stream.ok()) << stream.status().ToString();
    stream_ = std::move(*stream);
    ASSERT_TRUE(stream_
                    ->Subscribe(
                        SubscriberId::kServer,
                        [this](const Event&) {
                          std::lock_guard<std::mutex> lock(mu_);
                          ++seen_;
                          cv_.notify_all();
                        },
                        "counter")
                    .ok());
    ASSERT_TRUE(stream_
                    ->Subscribe(
                        SubscriberId::kRuntime,
                        [](const Event& e) {
                          if (e.id == 1) throw std::runtime_error("boom");
                        },
                        "thrower")
                    .ok());
  }

  void TearDown() override {
    if (stream_ != nullptr) {
      EXPECT_TRUE(stream_->Close().ok());
    }
    (void)shm::Segment::Remove(name_, "");
    (void)SharedSecrets::Remove(name_, "");
  }

  // Adds three events and waits until both callbacks' metrics count them.
  void PublishThreeAndWaitForTheMetrics() {
    for (int i = 0; i < 3; ++i) {
      auto event = ParseEvent(R"({"action":"message","args":{"content":"hi"}})");
      ASSERT_TRUE(event.ok());
      ASSERT_TRUE(stream_->AddEvent(&*event, Source::kAgent).ok());
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      ASSERT_TRUE(cv_.wait_for(lock, std::chrono::seconds(20), [&] { return seen_ == 3; }));
    }
    // The workers count after each invocation: wait until both report 3.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    auto all_counted = [&] {
      auto m = ReadStreamMetrics(name_);
      if (!m.ok() || m->size() != 1) return false;
      int done = 0;
      for (const auto& c : (*m)[0].callbacks) done += c.delivered == 3 ? 1 : 0;
      return done == 2;
    };
    while (!all_counted()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "metrics never showed 3 deliveries";
      std::this_thread::yield();
    }
  }

  void ExpectJsonShowsBothCallbacks() {
    int rc = -1;
    const std::string json = RunEvbus("inspect " + name_ + " --json", &rc);
    ASSERT_EQ(rc, 0);
    rapidjson::Document d;
    d.Parse(json.c_str());
    ASSERT_FALSE(d.HasParseError()) << json;
    const auto& callbacks = d["callbacks"];
    ASSERT_EQ(callbacks.Size(), 2u) << json;
    for (const auto& c : callbacks.GetArray()) {
      const std::string id = c["callback_id"].GetString();
      EXPECT_EQ(c["pid"].GetInt64(), ::getpid());
      EXPECT_EQ(c["delivered"].GetUint64(), 3u) << id;
      EXPECT_EQ(c["queue_depth"].GetUint64(), 0u) << id;
      EXPECT_GT(c["latency_p50_seconds"].GetDouble(), 0.0) << id;
      EXPECT_GE(c["latency_p99_seconds"].GetDouble(), c["latency_p50_seconds"].GetDouble()) << id;
      if (id == "counter") {
        EXPECT_EQ(std::string(c["subscriber_id"].GetString()), "server");
        EXPECT_EQ(c["failures"].GetUint64(), 0u);
      } else {
        EXPECT_EQ(id, "thrower");
        EXPECT_EQ(std::string(c["subscriber_id"].GetString()), "runtime");
        EXPECT_EQ(c["failures"].GetUint64(), 1u);
      }
    }
  }

  // The exposition is well formed and counts the thrower's deliveries and
  // failure; promtool, when installed, accepts it too.
  void ExpectPrometheusShowsTheThrower() {
    int rc = -1;
    const std::string prom = RunEvbus("inspect " + name_ + " --prometheus", &rc);
    ASSERT_EQ(rc, 0);
    testutil::Exposition x = testutil::CheckExposition(prom);
    for (const std::string& problem : x.problems) ADD_FAILURE() << problem;
    const std::string labels = "{stream=\"" + name_ + "\",user=\"\",pid=\"" +
                               std::to_string(::getpid()) + "\",subscriber_id=\"runtime\"," +
                               "callback_id=\"thrower\"}";
    EXPECT_EQ(x.samples["evbus_callback_delivered_events_total" + labels], 3) << prom;
    EXPECT_EQ(x.samples["evbus_callback_failures_total" + labels], 1) << prom;
    if (::access("/usr/bin/promtool", X_OK) == 0) {  // Debian package prometheus, when installed
      const std::string file = dir_.path() + "/metrics.prom";
      if (std::FILE* f = std::fopen(file.c_str(), "w")) {
        std::fputs(prom.c_str(), f);
        std::fclose(f);
      }
      const std::string lint = RunShell("/usr/bin/promtool check metrics < " + file + " 2>&1", &rc);
      EXPECT_EQ(rc, 0) << lint;
      EXPECT_EQ(lint, "") << lint;
    }
  }

  evbus::TempDir dir_{"evbus_inspect_cb"};
  const std::string name_ = "inspect-cb-" + std::to_string(::getpid());
  std::mutex mu_;  // the counter's state; declared before the stream that calls it
  std::condition_variable cv_;
  int seen_ = 0;
  std::unique_ptr<EventStream> stream_;
};

TEST_F(InspectCallbacksTest, ShowsEachCallbacksDeliveriesFailuresAndLatency) {
  ASSERT_NO_FATAL_FAILURE(PublishThreeAndWaitForTheMetrics());
  ASSERT_NO_FATAL_FAILURE(ExpectJsonShowsBothCallbacks());
  ASSERT_NO_FATAL_FAILURE(ExpectPrometheusShowsTheThrower());
}

}  // namespace
}  // namespace evbus
