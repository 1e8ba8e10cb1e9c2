// Producer process of the torture scenarios (tests/fault/): publishes
// self-checking events (tests/fault/event_payload.h) and records each
// acknowledged one in the shared ack table, so that a kill -9 at any moment
// leaves behind exactly what it was promised.
//
//   torture_producer_proc STREAM INDEX ACK_FILE ACK_SLOTS COUNT TIMEOUT_MS
//
// COUNT 0 publishes until killed. Publish waits at most TIMEOUT_MS for a
// durable consumer; a BackPressured result is counted in the ack table, the
// first one's message is written to stdout ("backpressured <message>"), and
// the same event is retried (nothing is skipped).
// Stdout: "ready <slot>" after attaching, "done <count>" at the end.
// Exit status: 0 done, 2 usage or attach error, 3 publish error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "base/status.h"
#include "core/event.h"
#include "core/event_types.h"
#include "shm/event_record.h"
#include "shm/producer.h"
#include "shm/segment.h"
#include "tests/fault/ack_table.h"
#include "tests/fault/event_payload.h"
#include "tests/procs/proc_args.h"
#include "tests/testutil/assign_to.h"

using evbus::torture::ArgU32;
using evbus::torture::ArgU64;
using evbus::torture::WriteLine;

namespace {

// Attaches producer "torture<index>" to the stream's segment.
evbus::Status AttachProducer(const std::string& stream, std::uint32_t index,
                             std::unique_ptr<evbus::shm::Segment>* segment,
                             std::unique_ptr<evbus::shm::Producer>* producer) {
  EVBUS_RETURN_IF_ERROR(
      ::evbus::testutil::AssignTo(segment, evbus::shm::Segment::Open(stream, "")));
  return ::evbus::testutil::AssignTo(
      producer, evbus::shm::Producer::Attach(segment->get(), "torture" + std::to_string(index)));
}

// Publishes from the slot's acknowledged count up to `count` (0: until
// killed), acknowledging each event; returns the exit status.
int PublishAndAck(evbus::shm::Producer* producer, evbus::torture::AckTable* acks,
                  std::uint32_t index, std::uint64_t count, std::int64_t timeout_ns) {
  evbus::Event event;
  event.type = evbus::EventTypeFromTag(evbus::EventKind::kObservation, "null").value();
  event.source = evbus::Source::kEnvironment;
  evbus::shm::RecordMeta meta = evbus::RecordMetaFor(event);
  std::string body;
  bool reported = false;
  for (std::uint64_t seq = acks->acked(index); count == 0 || seq < count;) {
    evbus::torture::MakeEventBody(index, seq, &body);
    meta.timestamp_ns = static_cast<std::int64_t>(seq);
    std::uint64_t id = 0;
    const evbus::Status s = producer->Publish(meta, body, timeout_ns, &id);
    if (s.IsBackPressured()) {
      acks->CountBackPressure(index);
      if (!reported) WriteLine("backpressured " + s.ToString());
      reported = true;
      continue;
    }
    if (!s.ok()) {
      std::fprintf(stderr, "producer %u seq %llu: %s\n", index,
                   static_cast<unsigned long long>(seq), s.ToString().c_str());
      return 3;
    }
    ++seq;
    acks->Ack(index, seq);
  }
  WriteLine("done " + std::to_string(count));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (!evbus::torture::CheckUsage(argc, argv, 6,
                                  "STREAM INDEX ACK_FILE ACK_SLOTS COUNT TIMEOUT_MS"))
    return 2;
  const std::string stream = argv[1];
  const std::uint32_t index = ArgU32(argv[2]);
  const std::uint32_t slots = ArgU32(argv[4]);
  const std::uint64_t count = ArgU64(argv[5]);
  const std::int64_t timeout_ns = std::strtoll(argv[6], nullptr, 10) * 1'000'000;

  evbus::torture::AckTable acks;
  if (!evbus::torture::OpenTableSlot(&acks, argv[3], slots, index)) {
    std::fprintf(stderr, "producer %u: cannot open ack table %s\n", index, argv[3]);
    return 2;
  }
  std::unique_ptr<evbus::shm::Segment> segment;
  std::unique_ptr<evbus::shm::Producer> producer;
  const evbus::Status s = AttachProducer(stream, index, &segment, &producer);
  if (!s.ok()) {
    std::fprintf(stderr, "producer %u: %s\n", index, s.ToString().c_str());
    return 2;
  }
  WriteLine("ready " + std::to_string(producer->slot_index()));
  return PublishAndAck(producer.get(), &acks, index, count, timeout_ns);
}
