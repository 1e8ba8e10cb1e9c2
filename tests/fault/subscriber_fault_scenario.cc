// Scenario 3: faults of subscribers. (a) A durable subscriber process is
// killed -9 at random points and restarted under the same name while a
// producer publishes: each incarnation resumes where the last one's
// registration stood. (b) A durable subscriber frozen with SIGSTOP: the
// producer is back-pressured with an error naming it, and after SIGCONT the
// subscriber reads everything. (c) A non-durable subscriber frozen while a
// persister runs: it is lapped, gets exact gaps, and every id of every gap
// is read back from the store.
#include <signal.h>

#include <memory>
#include <random>
#include <string>

#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/fault_child.h"
#include "tests/fault/fault_util.h"
#include "tests/fault/subscriber_faults.h"
#include "tests/fault/torture.h"

namespace evbus::torture {
namespace {

using namespace std::chrono_literals;

// (a) kill -9 and restart of a durable subscriber.
void KillDurableSubscriber(SubscriberRig* rig, int rounds, std::uint32_t seed, ScenarioResult* r) {
  FaultChild producer;
  if (!rig->StartProducer(0, &producer)) return r->Fail("producer did not start");
  std::mt19937 rng(seed);
  std::uint64_t consumed = 0;
  for (int round = 0; round < rounds && r->ok(); ++round) {
    FaultChild sub;
    std::uint64_t start = 0;
    if (!rig->StartSubscriber("killed-durable", true, 0, &sub, &start)) {
      return r->Fail("durable subscriber did not start");
    }
    // Resumed at what the killed one had consumed, or one past it (killed
    // between Read returning the record and noting it).
    if (round > 0 && start > consumed + 1) r->lost += start - consumed - 1;
    if (round > 0 && start < consumed) r->duplicated += consumed - start;
    FaultDelay(1000 + static_cast<std::uint32_t>(rng() % 30'000));  // the fault's moment
    sub.KillAndReap();
    ++r->faults;
    r->events_checked += rig->table().acked(kSubscriberSlot) - start;
    consumed = rig->table().acked(kSubscriberSlot);
  }
  producer.KillAndReap();
  // A last incarnation reads to the head and stops.
  FaultChild last;
  std::uint64_t start = 0;
  const std::uint64_t head = rig->head();
  if (!rig->StartSubscriber("killed-durable", true, head, &last, &start)) {
    return r->Fail("durable subscriber did not restart");
  }
  if (start > consumed + 1) r->lost += start - consumed - 1;
  std::string line;
  if (!last.ReadLineStartingWith("done ", &line, 120s)) r->Fail("last incarnation did not finish");
  r->events_checked += head - start;
  r->torn += rig->table().backpressured(kSubscriberSlot);
  (void)shm::Subscriber::Unregister(rig->segment(), "killed-durable");
}

// (b) a durable subscriber frozen with SIGSTOP.
void FreezeDurableSubscriber(SubscriberRig* rig, ScenarioResult* r, std::string* message) {
  FaultChild sub, producer;
  std::uint64_t start = 0;
  if (!rig->StartSubscriber("frozen-durable", true, 0, &sub, &start)) {
    return r->Fail("frozen subscriber did not start");
  }
  sub.Signal(SIGSTOP);
  ++r->faults;
  if (!rig->StartProducer(1, &producer)) return r->Fail("producer did not start");
  std::string line;
  if (!producer.ReadLineStartingWith("backpressured ", &line, 60s)) {
    r->Fail("the producer was never back-pressured by the frozen durable subscriber");
  } else if (line.find("frozen-durable") == std::string::npos) {
    r->Fail("the back-pressure error does not name the lagging subscriber: " + line);
  }
  *message = line.substr(14);
  sub.Signal(SIGCONT);
  // Let it publish on after the thaw, then stop it: the head is final.
  const std::uint64_t acked = rig->table().acked(1);
  const auto until = Clock::now() + 30s;
  while (rig->table().acked(1) < acked + 100 && Clock::now() < until) FaultDelay(1000);
  producer.KillAndReap();
  const std::uint64_t head = rig->head();
  if (!rig->WaitConsumed(head, 120s)) r->Fail("the thawed durable subscriber did not catch up");
  const std::uint64_t consumed = rig->table().acked(kSubscriberSlot);
  if (consumed < head) r->lost += head - consumed;
  r->events_checked += consumed - start;
  r->torn += rig->table().backpressured(kSubscriberSlot);
  sub.KillAndReap();
  (void)shm::Subscriber::Unregister(rig->segment(), "frozen-durable");
}

}  // namespace

ScenarioResult RunSubscriberFaults(const TortureConfig& config) {
  ScenarioResult r;
  r.name = "3 subscribers kill/stop";
  std::string message;
  {
    SubscriberRig rig(config, "torture-subs");
    if (!rig.ok()) {
      r.Fail("set-up failed");
      return r;
    }
    KillDurableSubscriber(&rig, config.Count(100, 20), config.seed + 3, &r);
    if (r.ok()) FreezeDurableSubscriber(&rig, &r, &message);
  }
  std::string gaps;
  if (r.ok()) gaps = LapFrozenSubscriber(config, &r);
  ExpectAtMost(&r, "lost", static_cast<double>(r.lost), 0);
  ExpectAtMost(&r, "duplicated", static_cast<double>(r.duplicated), 0);
  ExpectAtMost(&r, "torn or bad records", static_cast<double>(r.torn), 0);
  r.detail = "back-pressure error: \"" + message.substr(0, 160) + "\"; " + gaps;
  return r;
}

}  // namespace evbus::torture
