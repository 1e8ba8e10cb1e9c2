// Multi-process stress test of the ring: 3 producer processes and 2
// subscriber processes (one durable) exchange 1e6 self-checking records
// (fewer under ThreadSanitizer, or as EVBUS_STRESS_EVENTS says).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "shm/segment.h"
#include "tests/shm/child_process.h"
#include "tests/testutil/assign_to.h"

namespace evbus::shm {
namespace {

using testproc::ChildProcess;
using testproc::HelperPath;
using testproc::ScopedSegmentName;
using namespace std::chrono_literals;

constexpr std::uint32_t kProducers = 3;

std::uint64_t TotalEvents() {
  if (const char* env = std::getenv("EVBUS_STRESS_EVENTS")) return std::strtoull(env, nullptr, 10);
#if defined(__SANITIZE_THREAD__)
  return 30'000;
#else
  return 1'000'000;
#endif
}

// Starts a helper and waits for its first stdout line, which must start with
// `ready`.
void StartAndAwaitReady(ChildProcess* child, const std::vector<std::string>& argv) {
  ASSERT_TRUE(child->Start(argv)) << "could not start " << argv[0];
  std::string line;
  ASSERT_TRUE(child->ReadLine(&line, 10s)) << argv[0] << " did not report ready";
  ASSERT_EQ(line.rfind("ready", 0), 0u) << argv[0] << " said: " << line;
}

TEST(RingProcessStressTest, EverySubscriberSeesEveryIdOnceInOrderWithIntactPayloads) {
  ScopedSegmentName name("ring_stress_" + std::to_string(::getpid()));
  SegmentOptions options;
  options.data_capacity = 4 << 20;
  options.index_slots = 1 << 14;
  options.max_record_size = 4096;
  options.abandon_timeout_ns = 10'000'000'000;
  std::unique_ptr<Segment> segment;
  Status s = ::evbus::testutil::AssignTo(&segment, Segment::Create(name.stream, "", options));
  ASSERT_TRUE(s.ok()) << s.ToString();

  const std::uint64_t per_producer = (TotalEvents() + kProducers - 1) / kProducers;
  const std::string per = std::to_string(per_producer);
  const std::string producers = std::to_string(kProducers);

  ChildProcess durable, live;
  StartAndAwaitReady(
      &durable, {HelperPath("ring_subscriber_proc"), name.stream, "durable", "1", producers, per});
  StartAndAwaitReady(
      &live, {HelperPath("ring_subscriber_proc"), name.stream, "live", "0", producers, per});
  std::vector<std::unique_ptr<ChildProcess>> writers;
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    writers.push_back(std::make_unique<ChildProcess>());
    StartAndAwaitReady(writers.back().get(),
                       {HelperPath("ring_producer_proc"), name.stream, std::to_string(p), per});
  }

  const auto start = std::chrono::steady_clock::now();
  for (auto& w : writers) {
    int status = 0;
    ASSERT_TRUE(w->Wait(&status, 120s)) << "a producer did not finish in time";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "producer status " << status;
  }
  for (ChildProcess* sub : {&durable, &live}) {
    std::string summary;
    ASSERT_TRUE(sub->ReadLine(&summary, 60s)) << "a subscriber gave no summary";
    int status = 0;
    ASSERT_TRUE(sub->Wait(&status, 10s));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << summary;
    EXPECT_EQ(summary.rfind("ok ", 0), 0u) << summary;
    std::printf("[ subscriber %s ] %s\n", sub == &durable ? "durable" : "live", summary.c_str());
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ stress ] %llu events, %u producers, 2 subscribers: %.2f s (%.0f events/s)\n",
              static_cast<unsigned long long>(per_producer * kProducers), kProducers, secs,
              static_cast<double>(per_producer * kProducers) / secs);
}

}  // namespace
}  // namespace evbus::shm
