// Scenario 8: overload. Producer processes publish at full speed into a
// stream whose only durable consumer is slow on purpose; they are
// back-pressured over and over. Memory is sampled while it runs: the RSS of
// every process and the segment's size. `--soak` runs it for 10 minutes.
//
// Targets: RSS of every process bounded (late samples at most 25% + 8 MiB
// above the first sample after warm-up), the segment's size unchanged,
// every back-pressure error names the slow consumer, nothing acknowledged
// lost, nothing duplicated or torn, and the consumer never stalls longer
// than the abandon timeout.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "shm/segment.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/fault_child.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/ring_watch.h"
#include "tests/fault/torture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::torture {
namespace {

using namespace std::chrono_literals;

constexpr int kProducers = 3;
constexpr char kConsumer[] = "overload-slow";

std::uint64_t FileSize(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

struct MemorySamples {
  std::vector<std::uint64_t> warm;  // per process, first sample after warm-up
  std::vector<std::uint64_t> peak;  // per process, the largest later sample
  std::uint64_t segment_first = 0;
  bool segment_changed = false;
};

// What the producers report at the end: how many back-pressure errors did
// not name the slow consumer, and the text of the first one.
struct PressureErrors {
  std::uint64_t unclear = 0;
  std::string message;
};

shm::SegmentOptions OverloadSegmentOptions() {
  shm::SegmentOptions so;
  so.data_capacity = 4 << 20;
  so.index_slots = 1 << 14;
  so.max_record_size = 1 << 16;
  return so;
}

// True when every producer has reported a back-pressured publish; `total`
// gets the sum over all producers.
bool PressureSeen(const AckTable& acks, std::uint64_t* total) {
  bool every_producer = true;
  *total = 0;
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    *total += acks.backpressured(p);
    every_producer = every_producer && acks.backpressured(p) > 0;
  }
  return every_producer;
}

// Slow on purpose: a 200 us pause every 16 events (at most ~80k events/s),
// and every 4096 events a freeze that lasts until a producer reports one
// more back-pressured publish and every producer has reported one (at most
// 500 ms, well under the abandon timeout). The freeze makes back-pressure
// certain on an idle machine too, where the short pauses alone never hold
// a producer for its whole 20 ms timeout. `n` counts the records read and
// must outlive the watch.
Status StartSlowConsumer(const AckTable& acks, std::uint64_t* n, RingWatch* watch) {
  shm::SubscriberOptions options;
  options.name = kConsumer;
  options.durable = true;
  return watch->Start(options, [n, &acks] {
    ++*n;
    if (*n % 16 == 0) FaultDelay(200);
    if (*n % 4096 != 0) return;
    std::uint64_t before = 0, now = 0;
    PressureSeen(acks, &before);
    const auto deadline = Clock::now() + 500ms;
    while (Clock::now() < deadline) {
      if (PressureSeen(acks, &now) && now > before) break;
      FaultDelay(1000);
    }
  });
}

// Starts the producers and appends their pids to `pids`.
Status StartProducers(const TortureConfig& config, const std::string& stream, const AckTable& acks,
                      FaultChild (&producers)[kProducers], std::vector<int>* pids) {
  Status s;
  for (int p = 0; p < kProducers && s.ok(); ++p) {
    std::string line;
    if (!producers[p].Start({Helper(config, "torture_producer_proc"), stream, std::to_string(p),
                             acks.path(), std::to_string(kProducers), "0", "20"}) ||
        !producers[p].ReadLineStartingWith("ready ", &line, 30s)) {
      s = Status::IOError("producer did not start");
    }
    pids->push_back(producers[p].pid());
  }
  return s;
}

// Samples the segment's size and, after warm-up, the RSS of every process,
// every 250 ms for `seconds`.
MemorySamples SampleMemory(const std::string& shm_path, const std::vector<int>& pids, int seconds) {
  MemorySamples mem;
  mem.segment_first = FileSize(shm_path);
  const auto start = Clock::now();
  const auto warm_at = start + std::chrono::seconds(std::max(1, seconds / 4));
  const auto end = start + std::chrono::seconds(seconds);
  while (Clock::now() < end) {
    std::this_thread::sleep_for(250ms);  // the sampling period
    if (FileSize(shm_path) != mem.segment_first) mem.segment_changed = true;
    if (Clock::now() < warm_at) continue;
    for (std::size_t i = 0; i < pids.size(); ++i) {
      const std::uint64_t rss = RssKib(pids[i]);
      if (mem.warm.size() < pids.size()) {
        mem.warm.push_back(rss);
        mem.peak.push_back(rss);
      } else {
        mem.peak[i] = std::max(mem.peak[i], rss);
      }
    }
  }
  return mem;
}

// Reads each producer's last back-pressure error, then kills it.
PressureErrors StopProducers(FaultChild (&producers)[kProducers]) {
  PressureErrors errors;
  for (FaultChild& p : producers) {
    std::string line;
    if (!p.ReadLineStartingWith("backpressured ", &line, 5s) ||
        line.find(std::string("'") + kConsumer + "'") == std::string::npos) {
      ++errors.unclear;
    }
    if (errors.message.empty())
      errors.message = line.substr(std::min<std::size_t>(line.size(), 14));
    p.KillAndReap();
  }
  return errors;
}

// Fills in what the consumer saw against what the producers acknowledged.
void CountDelivery(const AckTable& acks, const RingWatch& watch, ScenarioResult* r) {
  std::uint64_t unacked_lost = 0, pressured = 0;
  for (std::uint32_t p = 0; p < kProducers; ++p) {
    if (acks.acked(p) > watch.checker().next(p))
      unacked_lost += acks.acked(p) - watch.checker().next(p);
    pressured += acks.backpressured(p);
  }
  r->faults = pressured;
  r->events_checked = watch.checker().checked();
  r->lost = unacked_lost + watch.checker().holes() + watch.gap_ids();
  r->duplicated = watch.checker().duplicated();
  r->torn = watch.checker().torn() + watch.corrupt();
  r->longest_stall_ms = watch.longest_stall_ms();
}

// Fails `r` for every process whose RSS grew past its bound, or when the
// segment's size changed; returns the largest growth in KiB.
std::uint64_t CheckMemory(const MemorySamples& mem, const std::vector<int>& pids,
                          ScenarioResult* r) {
  std::uint64_t peak_growth = 0;
  for (std::size_t i = 0; i < mem.warm.size(); ++i) {
    const std::uint64_t bound = mem.warm[i] + mem.warm[i] / 4 + 8 * 1024;
    if (mem.peak[i] > bound)
      r->Fail("RSS of pid " + std::to_string(pids[i]) + " grew from " +
              std::to_string(mem.warm[i]) + " KiB to " + std::to_string(mem.peak[i]) + " KiB");
    peak_growth = std::max(peak_growth, mem.peak[i] - std::min(mem.peak[i], mem.warm[i]));
  }
  if (mem.warm.empty()) r->Fail("no memory sample was taken");
  if (mem.segment_changed) r->Fail("the segment's size changed");
  return peak_growth;
}

void CheckDelivery(const PressureErrors& errors, std::uint64_t abandon_timeout_ns,
                   ScenarioResult* r) {
  if (r->faults == 0) r->Fail("the producers were never back-pressured");
  ExpectAtMost(r, "back-pressure errors not naming the slow consumer",
               static_cast<double>(errors.unclear), 0);
  ExpectAtMost(r, "lost", static_cast<double>(r->lost), 0);
  ExpectAtMost(r, "duplicated", static_cast<double>(r->duplicated), 0);
  ExpectAtMost(r, "torn", static_cast<double>(r->torn), 0);
  ExpectAtMost(r, "longest stall (ms)", r->longest_stall_ms,
               static_cast<double>(abandon_timeout_ns) / 1e6);
}

std::uint64_t Published(const AckTable& acks) {
  std::uint64_t published = 0;
  for (std::uint32_t p = 0; p < kProducers; ++p) published += acks.acked(p);
  return published;
}

}  // namespace

ScenarioResult RunOverload(const TortureConfig& config) {
  ScenarioResult r;
  r.name = config.soak ? "8 overload (soak)" : "8 overload";
  const int seconds = config.soak ? config.soak_seconds : config.Count(40, 8);
  const std::string stream = UniqueStream("torture-over");
  (void)shm::Segment::Remove(stream, "");
  const shm::SegmentOptions so = OverloadSegmentOptions();
  std::unique_ptr<shm::Segment> segment;
  AckTable acks;
  if (!::evbus::testutil::AssignTo(&segment, shm::Segment::Create(stream, "", so)).ok() ||
      !acks.Open(AckTablePath(stream), kProducers, /*create=*/true)) {
    r.Fail("set-up failed");
    return r;
  }
  const std::string shm_path = "/dev/shm/" + segment->shm_name();
  std::uint64_t consumed = 0;
  RingWatch watch(segment.get());
  Status s = StartSlowConsumer(acks, &consumed, &watch);
  FaultChild producers[kProducers];
  std::vector<int> pids = {::getpid()};
  if (s.ok()) s = StartProducers(config, stream, acks, producers, &pids);
  if (!s.ok()) {
    r.Fail("set-up: " + s.ToString());
    return r;
  }
  const MemorySamples mem = SampleMemory(shm_path, pids, seconds);
  const PressureErrors errors = StopProducers(producers);
  if (!watch.CatchUp(120s)) r.Fail("the slow consumer did not catch up within 120 s");
  watch.Stop();
  CountDelivery(acks, watch, &r);
  const std::uint64_t peak_growth = CheckMemory(mem, pids, &r);
  CheckDelivery(errors, so.abandon_timeout_ns, &r);
  r.detail = std::to_string(seconds) + " s, " + std::to_string(Published(acks)) +
             " events acknowledged, " + std::to_string(r.faults) +
             " back-pressured publishes; RSS of " + std::to_string(pids.size()) +
             " processes grew at most " + std::to_string(peak_growth) +
             " KiB after warm-up; segment " + std::to_string(mem.segment_first) +
             " bytes throughout; error: \"" + errors.message.substr(0, 120) + "\"";
  segment.reset();
  (void)shm::Segment::Remove(stream, "");
  return r;
}

}  // namespace evbus::torture
