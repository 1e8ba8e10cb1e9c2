// Scenario 1: kill -9 of producer processes at random points while another
// producer publishes throughout. A durable watcher reads everything; each
// victim's acknowledged count survives it in the ack table.
//
// Targets: 0 acknowledged (committed) events lost, 0 duplicated, 0 torn
// records delivered, at most one abandoned id per kill, and no stall longer
// than the segment's abandon timeout.
#include <memory>
#include <random>
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

constexpr std::int64_t kAbandonTimeoutNs = 2'000'000'000;
constexpr int kConcurrentVictims = 3;

struct Victim {
  std::unique_ptr<FaultChild> child;
  std::uint32_t index = 0;
  Clock::time_point kill_at;
};

bool StartProducer(const TortureConfig& config, const std::string& stream, const AckTable& acks,
                   std::uint32_t index, FaultChild* child) {
  if (!child->Start({Helper(config, "torture_producer_proc"), stream, std::to_string(index),
                     acks.path(), std::to_string(acks.size()), "0", "60000"})) {
    return false;
  }
  std::string line;
  return child->ReadLineStartingWith("ready ", &line, 30s);
}

shm::SegmentOptions ProducerKillSegmentOptions() {
  shm::SegmentOptions so;
  so.data_capacity = 8 << 20;
  so.index_slots = 1 << 15;
  so.max_record_size = 4096;
  so.abandon_timeout_ns = kAbandonTimeoutNs;
  return so;
}

// Starts and kills the victim producers, at most kConcurrentVictims at a
// time, each at a random point in its life, until `kills` are done.
class VictimRunner {
 public:
  VictimRunner(const TortureConfig& config, const std::string& stream, const AckTable& acks,
               int kills)
      : config_(config), stream_(stream), acks_(acks), kills_(kills), rng_(config.seed) {}

  void Run(ScenarioResult* r) {
    while (r->ok() && killed_ < static_cast<std::uint64_t>(kills_)) {
      for (Victim& v : victims_) {
        if (!Step(&v, r)) break;
      }
      FaultDelay(100);
    }
    for (Victim& v : victims_) {
      if (v.child != nullptr && v.child->KillAndReap()) ++killed_;
    }
  }

  std::uint64_t killed() const { return killed_; }
  // One past the highest producer index used (index 0 is the steady one).
  std::uint32_t next_index() const { return next_index_; }

 private:
  // Starts a victim in an empty place or kills one whose time has come;
  // false when a victim did not start.
  bool Step(Victim* v, ScenarioResult* r) {
    if (v->child == nullptr && next_index_ <= static_cast<std::uint32_t>(kills_)) {
      v->child = std::make_unique<FaultChild>();
      v->index = next_index_++;
      if (!StartProducer(config_, stream_, acks_, v->index, v->child.get())) {
        r->Fail("victim " + std::to_string(v->index) + " did not start");
        return false;
      }
      // A random point in its life: 0-4 ms of publishing after attaching.
      v->kill_at = Clock::now() + std::chrono::microseconds(rng_() % 4000);
    } else if (v->child != nullptr && Clock::now() >= v->kill_at) {
      if (!v->child->KillAndReap()) r->Fail("a killed producer was not reaped");
      v->child.reset();
      ++killed_;
    }
    return true;
  }

  const TortureConfig& config_;
  const std::string& stream_;
  const AckTable& acks_;
  const int kills_;
  std::mt19937 rng_;
  std::vector<Victim> victims_ = std::vector<Victim>(kConcurrentVictims);
  std::uint32_t next_index_ = 1;
  std::uint64_t killed_ = 0;
};

// Fills in what the watcher saw against what producers 0..next_index-1
// acknowledged, and checks the targets.
void CheckWatch(const AckTable& acks, const RingWatch& watch, std::uint32_t next_index,
                std::uint64_t killed, ScenarioResult* r) {
  const SeqChecker& c = watch.checker();
  std::uint64_t unacked_lost = 0;
  for (std::uint32_t p = 0; p < next_index; ++p) {
    if (acks.acked(p) > c.next(p)) unacked_lost += acks.acked(p) - c.next(p);
  }
  r->faults = killed;
  r->events_checked = c.checked();
  r->lost = unacked_lost + c.holes() + watch.gap_ids();
  r->duplicated = c.duplicated();
  r->torn = c.torn() + watch.corrupt();
  r->longest_stall_ms = watch.longest_stall_ms();
  r->detail =
      std::to_string(watch.abandoned()) + " ids abandoned (killed between claim and commit)";
  ExpectAtMost(r, "lost", static_cast<double>(r->lost), 0);
  ExpectAtMost(r, "duplicated", static_cast<double>(r->duplicated), 0);
  ExpectAtMost(r, "torn", static_cast<double>(r->torn), 0);
  ExpectAtMost(r, "id order errors", static_cast<double>(watch.id_errors()), 0);
  ExpectAtMost(r, "abandoned ids", static_cast<double>(watch.abandoned()),
               static_cast<double>(killed + 1));
  ExpectAtMost(r, "longest stall (ms)", r->longest_stall_ms, kAbandonTimeoutNs / 1e6);
}

}  // namespace

ScenarioResult RunProducerKills(const TortureConfig& config) {
  ScenarioResult r;
  r.name = "1 producers kill -9";
  const int kills = config.Count(1000, 150);
  const std::string stream = UniqueStream("torture-pk");
  (void)shm::Segment::Remove(stream, "");
  std::unique_ptr<shm::Segment> segment;
  Status s = ::evbus::testutil::AssignTo(
      &segment, shm::Segment::Create(stream, "", ProducerKillSegmentOptions()));
  AckTable acks;
  if (!s.ok() || !acks.Open(AckTablePath(stream), static_cast<std::uint32_t>(kills + 1), true)) {
    r.Fail("set-up: " + s.ToString());
    return r;
  }
  RingWatch watch(segment.get());
  shm::SubscriberOptions options;
  options.name = "torture-watch";
  options.durable = true;
  s = watch.Start(options);
  if (!s.ok()) {
    r.Fail("watcher: " + s.ToString());
    return r;
  }

  FaultChild steady;  // index 0 publishes for the whole scenario
  if (!StartProducer(config, stream, acks, 0, &steady)) r.Fail("steady producer did not start");
  VictimRunner victims(config, stream, acks, kills);
  victims.Run(&r);
  steady.KillAndReap();
  if (!watch.CatchUp(60s)) r.Fail("watcher did not read up to the head within 60 s");
  watch.Stop();

  CheckWatch(acks, watch, victims.next_index(), victims.killed(), &r);
  if (victims.killed() < static_cast<std::uint64_t>(kills)) {
    r.Fail("only " + std::to_string(victims.killed()) + " of " + std::to_string(kills) +
           " kills done");
  }
  segment.reset();
  (void)shm::Segment::Remove(stream, "");
  return r;
}

}  // namespace evbus::torture
