// Subscriber process of torture scenario 3: reads a stream and checks every
// record (tests/fault/event_payload.h bodies, ids in order), recording its
// progress in slot SLOT of the shared table (tests/fault/ack_table.h) so that
// the driver knows what it had consumed when it was killed or stopped: the
// slot's first counter is the next id to consume, the second the number of
// bad records (torn body, id out of order, corrupt, a gap that does not start
// where it stood).
//
//   torture_subscriber_proc STREAM NAME DURABLE(0|1) TABLE SLOTS SLOT UNTIL
//
// Reads until its next id reaches UNTIL (0: until killed).
// Stdout: "ready <first id>" after attaching, "gap <first> <last>" for each
// gap, "done <next id> bad=<n>" at the end.
// Exit status: 0 done, 2 usage or attach error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/event_payload.h"
#include "tests/procs/proc_args.h"
#include "tests/testutil/assign_to.h"

using evbus::torture::WriteLine;

int main(int argc, char** argv) {
  if (!evbus::torture::CheckUsage(argc, argv, 7, "STREAM NAME DURABLE TABLE SLOTS SLOT UNTIL"))
    return 2;
  evbus::shm::SubscriberOptions options;
  options.name = argv[2];
  options.durable = std::strtoul(argv[3], nullptr, 10) != 0;
  options.start = evbus::shm::StartAt::kOldest;
  const evbus::torture::ConsumerArgs c = evbus::torture::ParseConsumerArgs(argv, 4);
  evbus::torture::AckTable table;
  std::unique_ptr<evbus::shm::Segment> segment;
  evbus::Status s = ::evbus::testutil::AssignTo(&segment, evbus::shm::Segment::Open(argv[1], ""));
  std::unique_ptr<evbus::shm::Subscriber> sub;
  if (s.ok())
    s = ::evbus::testutil::AssignTo(&sub, evbus::shm::Subscriber::Attach(segment.get(), options));
  if (!s.ok() || !evbus::torture::OpenTableSlot(&table, c)) {
    std::fprintf(stderr, "subscriber %s: %s\n", argv[2], s.ToString().c_str());
    return 2;
  }
  table.Ack(c.slot, sub->next_id());
  WriteLine("ready " + std::to_string(sub->next_id()));
  std::uint64_t bad = 0;
  evbus::shm::Record rec;
  while (c.until == 0 || sub->next_id() < c.until) {
    const std::uint64_t expected = sub->next_id();
    const std::uint64_t bad_before = bad;
    const evbus::shm::ReadStatus st = sub->Read(&rec, 100'000'000);
    std::uint32_t producer = 0;
    std::uint64_t seq = 0;
    switch (st) {
      case evbus::shm::ReadStatus::kRecord:
        if (rec.id != expected || !evbus::torture::CheckEventBody(rec.body, &producer, &seq)) ++bad;
        break;
      case evbus::shm::ReadStatus::kGap:
        if (rec.gap_first != expected) ++bad;
        WriteLine("gap " + std::to_string(rec.gap_first) + " " + std::to_string(rec.gap_last));
        break;
      case evbus::shm::ReadStatus::kCorrupt:
        ++bad;
        break;
      case evbus::shm::ReadStatus::kAbandoned:
      case evbus::shm::ReadStatus::kEmpty:
        break;
    }
    if (bad != bad_before) table.CountBackPressure(c.slot);
    table.Ack(c.slot, sub->next_id());
  }
  WriteLine("done " + std::to_string(sub->next_id()) + " bad=" + std::to_string(bad));
  return 0;
}
