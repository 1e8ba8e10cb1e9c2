// Scenario 2: kill -9 of the persister (evbus_persister) at random points of
// its life (start-up, recovery, draining, syncing), then restart, while a
// producer process publishes and, now and then, a second producer is killed
// mid-stream (its unfinished id becomes abandoned).
//
// Targets: after a final clean run the store holds every acknowledged event
// exactly once, in id order, intact; every id below the head is either
// stored or reported missing as abandoned; the store's latest id never goes
// backwards across a kill; a clean read reports no corruption.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>

#include "base/temp_dir.h"
#include "persist/store.h"
#include "shm/atomic128.h"
#include "shm/segment.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/fault_child.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/persist_check.h"
#include "tests/fault/torture.h"
#include "tests/testutil/assign_to.h"

namespace evbus::torture {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPolicies[] = {"group", "every-event", "per-page", "never"};

bool StartPersister(const TortureConfig& config, const std::string& root, const std::string& stream,
                    const char* fsync, const std::string& log, FaultChild* child) {
  return child->Start({Helper(config, "evbus_persister"), "--root", root, "--session", stream,
                       "--fsync", fsync, "--page-bytes", "65536"},
                      log);
}

bool StartProducer(const TortureConfig& config, const std::string& stream, const AckTable& acks,
                   std::uint32_t index, FaultChild* child) {
  if (!child->Start({Helper(config, "torture_producer_proc"), stream, std::to_string(index),
                     acks.path(), std::to_string(acks.size()), "0", "50"})) {
    return false;
  }
  std::string line;
  return child->ReadLineStartingWith("ready ", &line, 30s);
}

shm::SegmentOptions PersisterKillSegmentOptions() {
  shm::SegmentOptions so;
  so.data_capacity = 1 << 20;
  so.index_slots = 1 << 12;
  so.max_record_size = 1 << 16;
  return so;
}

// The persister's durable registration exists before anything is published.
bool RegisterPersister(const TortureConfig& config, const std::string& root,
                       const std::string& stream, const std::string& log) {
  FaultChild first;
  if (!StartPersister(config, root, stream, "group", log, &first) ||
      !WaitForDurableSubscriber(stream, 60s)) {
    return false;
  }
  first.KillAndReap();
  return true;
}

// The kill rounds: each starts a persister (and now and then a second
// producer), kills both at a random point, and checks that the store's
// latest id did not go back.
class KillRounds {
 public:
  KillRounds(const TortureConfig& config, const std::string& root, const std::string& stream,
             const std::string& log, const AckTable& acks)
      : config_(config),
        root_(root),
        stream_(stream),
        log_(log),
        acks_(acks),
        rng_(config.seed + 2) {}

  void Run(int rounds, ScenarioResult* r) {
    for (int round = 0; r->ok() && round < rounds; ++round) {
      if (!RunRound(round, r)) break;
    }
  }

  std::uint32_t victims() const { return victims_; }
  std::uint64_t regressions() const { return regressions_; }

 private:
  // False when the persister could not start.
  bool RunRound(int round, ScenarioResult* r) {
    FaultChild persister, victim;
    if (!StartPersister(config_, root_, stream_, kPolicies[rng_() % 4], log_, &persister)) {
      r->Fail("cannot start evbus_persister");
      return false;
    }
    if (rng_() % 4 == 0 && StartProducer(config_, stream_, acks_, victims_ + 1, &victim)) {
      ++victims_;
    }
    // The fault: half the rounds die young (start-up, recovery), half while draining.
    FaultDelay(
        static_cast<std::uint32_t>(round % 2 == 0 ? rng_() % 40'000 : 60'000 + rng_() % 200'000));
    victim.KillAndReap();
    if (!persister.KillAndReap()) r->Fail("a killed persister was not reaped");
    ++r->faults;
    // What is in the store stays there: the latest id never goes back.
    auto store = persist::Store::Open(root_, stream_, "");
    const std::int64_t latest = store.ok() ? (*store)->GetLatestEventId() : -1;
    if (latest < latest_seen_) ++regressions_;
    latest_seen_ = std::max(latest, latest_seen_);
    return true;
  }

  const TortureConfig& config_;
  const std::string& root_;
  const std::string& stream_;
  const std::string& log_;
  const AckTable& acks_;
  std::mt19937 rng_;
  std::uint32_t victims_ = 0;
  std::int64_t latest_seen_ = -1;
  std::uint64_t regressions_ = 0;
};

// A final clean run drains the rest up to `head`, then stops on SIGTERM.
void DrainWithCleanPersister(const TortureConfig& config, const std::string& root,
                             const std::string& stream, const std::string& log, std::uint64_t head,
                             ScenarioResult* r) {
  FaultChild last;
  if (!StartPersister(config, root, stream, "group", log, &last) ||
      !WaitForStoreLatest(root, stream, static_cast<std::int64_t>(head) - 1, 120s)) {
    r->Fail("the final persister did not store up to id " + std::to_string(head - 1));
  }
  last.Signal(SIGTERM);
  int status = 0;
  if (!last.Wait(&status, 60s) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    r->Fail("the final persister did not stop cleanly on SIGTERM; see " + log);
  }
}

}  // namespace

ScenarioResult RunPersisterKills(const TortureConfig& config) {
  ScenarioResult r;
  r.name = "2 persister kill -9";
  const int rounds = config.Count(200, 30);
  evbus::TempDir tmp("evbus_torture");
  const std::string log = tmp.path() + "/persister.log";
  const std::string stream = UniqueStream("torture-pers");
  (void)shm::Segment::Remove(stream, "");
  std::unique_ptr<shm::Segment> segment;
  Status s = ::evbus::testutil::AssignTo(
      &segment, shm::Segment::Create(stream, "", PersisterKillSegmentOptions()));
  AckTable acks;
  if (!s.ok() || !acks.Open(AckTablePath(stream), static_cast<std::uint32_t>(rounds + 1), true)) {
    r.Fail("set-up: " + s.ToString());
    return r;
  }
  if (!RegisterPersister(config, tmp.path(), stream, log)) {
    r.Fail("the first persister never registered; see " + log);
    return r;
  }
  FaultChild producer;
  if (!StartProducer(config, stream, acks, 0, &producer)) r.Fail("producer did not start");
  KillRounds kill_rounds(config, tmp.path(), stream, log, acks);
  kill_rounds.Run(rounds, &r);
  producer.KillAndReap();

  const std::uint64_t head = shm::LoadHalfAcquire(&segment->claim()->next_id);
  DrainWithCleanPersister(config, tmp.path(), stream, log, head, &r);
  const std::uint32_t victims = kill_rounds.victims();
  const std::uint64_t regressions = kill_rounds.regressions();
  const StoreCheck check = CheckStore(tmp.path(), stream, head, acks, victims + 1);
  check.ApplyTo(&r);
  r.lost += regressions;
  r.detail = std::to_string(victims) + " producers killed beside; " + check.Describe();
  ExpectAtMost(&r, "latest id regressions after a kill", static_cast<double>(regressions), 0);
  segment.reset();
  (void)shm::Segment::Remove(stream, "");
  return r;
}

}  // namespace evbus::torture
