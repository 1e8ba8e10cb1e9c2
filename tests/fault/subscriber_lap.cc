// Scenario 3's rig and its lapped-subscriber part (see subscriber_faults.h).
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <thread>

#include "base/temp_dir.h"
#include "persist/store.h"
#include "shm/atomic128.h"
#include "tests/fault/event_payload.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/persist_check.h"
#include "tests/fault/subscriber_faults.h"
#include "tests/testutil/assign_to.h"

namespace evbus::torture {

using namespace std::chrono_literals;

SubscriberRig::SubscriberRig(const TortureConfig& config, const std::string& prefix,
                             std::uint32_t index_slots)
    : config_(config), stream_(UniqueStream(prefix)) {
  (void)shm::Segment::Remove(stream_, "");
  shm::SegmentOptions so;
  so.data_capacity = 1 << 20;
  so.index_slots = index_slots;
  so.max_record_size = 1 << 16;
  ok_ = ::evbus::testutil::AssignTo(&segment_, shm::Segment::Create(stream_, "", so)).ok() &&
        table_.Open(AckTablePath(stream_), kRefillSlot + 1, /*create=*/true);
}

SubscriberRig::~SubscriberRig() {
  segment_.reset();
  (void)shm::Segment::Remove(stream_, "");
}

std::uint64_t SubscriberRig::head() const {
  return shm::LoadHalfAcquire(&segment_->claim()->next_id);
}

bool SubscriberRig::StartProducer(std::uint32_t index, FaultChild* child, std::uint64_t count,
                                  int timeout_ms) {
  std::string line;
  return child->Start({Helper(config_, "torture_producer_proc"), stream_, std::to_string(index),
                       table_.path(), std::to_string(table_.size()), std::to_string(count),
                       std::to_string(timeout_ms)}) &&
         child->ReadLineStartingWith("ready ", &line, 30s);
}

bool SubscriberRig::StartSubscriber(const std::string& name, bool durable, std::uint64_t until,
                                    FaultChild* child, std::uint64_t* start) {
  std::string line;
  if (!child->Start({Helper(config_, "torture_subscriber_proc"), stream_, name, durable ? "1" : "0",
                     table_.path(), std::to_string(table_.size()), std::to_string(kSubscriberSlot),
                     std::to_string(until)}) ||
      !child->ReadLineStartingWith("ready ", &line, 30s)) {
    return false;
  }
  *start = std::stoull(line.substr(6));
  return true;
}

bool SubscriberRig::WaitConsumed(std::uint64_t id, std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (table_.acked(kSubscriberSlot) < id) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);  // polling with a deadline
  }
  return true;
}

namespace {

constexpr std::uint64_t kLapTotal = 4 << 10;  // four times the ids the ring holds

// The processes of the lap test: a persister, the raw non-durable
// subscriber that gets lapped, the refilling one, and the producer.
struct LapProcesses {
  FaultChild persister, sub, refill, producer;
  std::uint64_t sub_start = 0;  // the first id the raw subscriber reads
};

bool StartLapProcesses(const TortureConfig& config, SubscriberRig* rig, const std::string& root,
                       const std::string& log, LapProcesses* procs, ScenarioResult* r) {
  if (!rig->ok() ||
      !procs->persister.Start(
          {Helper(config, "evbus_persister"), "--root", root, "--session", rig->stream()}, log) ||
      !WaitForDurableSubscriber(rig->stream(), 60s) ||
      !rig->StartSubscriber("lapped", false, kLapTotal, &procs->sub, &procs->sub_start)) {
    r->Fail("lap: set-up failed; see " + log);
    return false;
  }
  std::string line;
  if (!procs->refill.Start({Helper(config, "torture_refill_proc"), rig->stream(), root,
                            rig->table().path(), std::to_string(rig->table().size()),
                            std::to_string(kRefillSlot), std::to_string(kLapTotal)},
                           log) ||
      !procs->refill.ReadLineStartingWith("ready ", &line, 30s)) {
    r->Fail("lap: the refilling subscriber did not start; see " + log);
    return false;
  }
  return true;
}

// Freezes both subscribers while the producer publishes four rings' worth.
void PublishWhileFrozen(SubscriberRig* rig, LapProcesses* procs, ScenarioResult* r) {
  procs->sub.Signal(SIGSTOP);
  procs->refill.Signal(SIGSTOP);
  r->faults += 2;
  int status = 0;
  if (!rig->StartProducer(0, &procs->producer, kLapTotal, 60'000) ||
      !procs->producer.Wait(&status, 120s)) {
    r->Fail("lap: the producer did not publish everything");
  }
  procs->sub.Signal(SIGCONT);
  procs->refill.Signal(SIGCONT);
}

// What the raw subscriber reported: its gaps, the ids in them, and how many
// of those the store gives back intact.
struct RawGaps {
  std::uint64_t gaps = 0, gap_ids = 0, refilled = 0;
};

// Reads the raw subscriber's gap lines up to its "done" line into `line`,
// and reads each id in a gap back from the store.
RawGaps ReadRawGaps(const SubscriberRig& rig, const std::string& root, FaultChild* sub,
                    std::string* line) {
  RawGaps raw;
  auto store_ready = WaitForStoreLatest(root, rig.stream(), kLapTotal - 1, 120s);
  auto store = persist::Store::Open(root, rig.stream(), "");
  while (store_ready && store.ok() && sub->ReadLine(line, 120s) && line->rfind("gap ", 0) == 0) {
    unsigned long long first = 0, last = 0;
    if (std::sscanf(line->c_str(), "gap %llu %llu", &first, &last) != 2) break;
    ++raw.gaps;
    for (std::uint64_t id = first; id <= last; ++id, ++raw.gap_ids) {
      auto event = (*store)->GetEventJson(static_cast<std::int64_t>(id));
      std::uint32_t p = 0;
      std::uint64_t seq = 0;
      if (event.ok() && CheckEventBody(event->json, &p, &seq) && seq == id) ++raw.refilled;
    }
  }
  return raw;
}

// What the refilling subscriber reported in its "done" line.
struct RefillReport {
  unsigned long long next = 0, bad = 1, from_store = 0, gaps = 0, missing = 0, lost = 1;
};

// The refilling one: every id, in order, intact, the lapped ones from the store.
RefillReport CheckRefillingSubscriber(FaultChild* refill, ScenarioResult* r) {
  RefillReport rep;
  std::string done;
  if (!refill->ReadLineStartingWith("done ", &done, 120s) ||
      std::sscanf(done.c_str(),
                  "done %llu bad=%llu from_store=%llu gaps=%llu missing=%llu lost=%llu", &rep.next,
                  &rep.bad, &rep.from_store, &rep.gaps, &rep.missing, &rep.lost) != 6) {
    r->Fail("lap: the refilling subscriber did not finish: " + done);
  }
  if (rep.gaps == 0 || rep.from_store == 0) {
    r->Fail("lap: the refilling subscriber was never lapped");
  }
  r->lost += rep.lost + rep.missing;
  r->torn += rep.bad;
  r->events_checked += rep.next - rep.bad - rep.missing - rep.lost;
  return rep;
}

}  // namespace

std::string LapFrozenSubscriber(const TortureConfig& config, ScenarioResult* r) {
  SubscriberRig rig(config, "torture-lap", 1 << 10);
  evbus::TempDir tmp("evbus_torture");
  const std::string log = tmp.path() + "/persister.log";
  LapProcesses procs;
  if (!StartLapProcesses(config, &rig, tmp.path(), log, &procs, r)) return "";
  PublishWhileFrozen(&rig, &procs, r);
  std::string line;
  const RawGaps raw = ReadRawGaps(rig, tmp.path(), &procs.sub, &line);
  if (line.rfind("done ", 0) != 0 || line.find(" bad=0") == std::string::npos) {
    r->Fail("lap: the subscriber did not finish cleanly: " + line);
  }
  if (raw.gaps == 0) r->Fail("lap: the frozen non-durable subscriber was never lapped");
  r->lost += raw.gap_ids - raw.refilled;
  r->events_checked += (kLapTotal - procs.sub_start - raw.gap_ids) + raw.refilled;
  r->torn += rig.table().backpressured(kSubscriberSlot);
  const RefillReport refill = CheckRefillingSubscriber(&procs.refill, r);
  procs.persister.Signal(SIGTERM);
  int status = 0;
  procs.persister.Wait(&status, 60s);
  return "refilling subscriber: " + std::to_string(refill.gaps) + " gaps, " +
         std::to_string(refill.from_store) +
         " events refilled from the store, 0 holes; raw subscriber: " + std::to_string(raw.gaps) +
         " gaps (" + std::to_string(raw.gap_ids) +
         " ids) reported to the lapped subscriber, all starting where it stood; " +
         std::to_string(raw.refilled) + " of them read back from the store";
}

}  // namespace evbus::torture
