// Lapped-reader process of torture scenario 3: reads a stream through
// persist::RefillingSubscriber, which refills every gap the ring leaves from
// the store, and checks that it hands out every id in order with an intact
// body (tests/fault/event_payload.h). Progress goes to slot SLOT of the
// shared table (next id; bad records), as in torture_subscriber_proc.
//
//   torture_refill_proc STREAM ROOT TABLE SLOTS SLOT UNTIL
//
// Stdout: "ready <first id>", then at UNTIL
// "done <next id> bad=<n> from_store=<k> gaps=<g> missing=<m> lost=<l>".
// Exit status: 0 done, 2 usage or attach error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "persist/refilling_subscriber.h"
#include "shm/segment.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/event_payload.h"
#include "tests/procs/proc_args.h"
#include "tests/testutil/assign_to.h"

using evbus::torture::WriteLine;

int main(int argc, char** argv) {
  if (!evbus::torture::CheckUsage(argc, argv, 6, "STREAM ROOT TABLE SLOTS SLOT UNTIL")) return 2;
  evbus::persist::RefillOptions options;
  options.subscriber.name = "refilling";
  options.subscriber.start = evbus::shm::StartAt::kOldest;
  options.store_root = argv[2];
  options.session_id = argv[1];
  options.store_wait_ns = 60'000'000'000;
  const evbus::torture::ConsumerArgs c = evbus::torture::ParseConsumerArgs(argv, 3);
  evbus::torture::AckTable table;
  std::unique_ptr<evbus::shm::Segment> segment;
  evbus::Status s = ::evbus::testutil::AssignTo(&segment, evbus::shm::Segment::Open(argv[1], ""));
  if (!s.ok() || !evbus::torture::OpenTableSlot(&table, c)) {
    std::fprintf(stderr, "refill: %s\n", s.ToString().c_str());
    return 2;
  }
  auto sub = evbus::persist::RefillingSubscriber::Attach(segment.get(), options);
  if (!sub.ok()) {
    std::fprintf(stderr, "refill: %s\n", sub.status().ToString().c_str());
    return 2;
  }
  table.Ack(c.slot, (*sub)->next_id());
  WriteLine("ready " + std::to_string((*sub)->next_id()));
  std::uint64_t bad = 0;
  evbus::persist::StoredEvent event;
  while ((*sub)->next_id() < c.until) {
    const std::uint64_t expected = (*sub)->next_id();
    std::int64_t first = 0, last = 0;
    const evbus::persist::RefillRead st = (*sub)->Read(&event, 100'000'000, &first, &last);
    std::uint32_t producer = 0;
    std::uint64_t seq = 0;
    if (st == evbus::persist::RefillRead::kEvent &&
        (event.meta.id != static_cast<std::int64_t>(expected) ||
         !evbus::torture::CheckEventBody(event.json, &producer, &seq))) {
      ++bad;
      table.CountBackPressure(c.slot);
    }
    table.Ack(c.slot, (*sub)->next_id());
  }
  const evbus::persist::RefillStats& stats = (*sub)->stats();
  WriteLine("done " + std::to_string((*sub)->next_id()) + " bad=" + std::to_string(bad) +
            " from_store=" + std::to_string(stats.from_store) +
            " gaps=" + std::to_string(stats.gaps) + " missing=" + std::to_string(stats.missing) +
            " lost=" + std::to_string(stats.lost));
  return 0;
}
