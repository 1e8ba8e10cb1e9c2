// Helper process for the multi-process ring tests: attaches a producer and
// publishes self-checking payloads (tests/procs/ring_payload.h).
//
//   ring_producer_proc STREAM PRODUCER_INDEX COUNT [pause-after=N]
//
// COUNT 0 publishes until killed. With pause-after=N it publishes N records,
// then installs the pause-after-claim hook and publishes one more: the hook
// writes "claimed <id>" to stdout and blocks forever between claim and
// commit, so the parent can kill it exactly there.
// Stdout lines: "ready <slot>" after attaching, "done <count>" at the end.
// Exit status: 0 done, 2 usage or attach error, 3 publish error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "shm/producer.h"
#include "shm/segment.h"
#include "tests/procs/ring_payload.h"
#include "tests/testutil/assign_to.h"

namespace {

using evbus::Status;
using evbus::shm::Producer;
using evbus::shm::RecordMeta;
using evbus::shm::Segment;

void WriteLine(const std::string& line) {
  std::string out = line + "\n";
  // A pipe write of a short line is atomic; nothing to retry for our use.
  if (::write(STDOUT_FILENO, out.data(), out.size()) < 0) std::_Exit(4);
}

void PauseForever(std::uint64_t id) {
  WriteLine("claimed " + std::to_string(id));
  for (;;) ::pause();
}

// Publishes `count` payloads (0: until killed); at seq `pause_after` (if
// not negative) the pause hook is installed first. Returns the exit status.
int PublishPayloads(Producer* producer, std::uint32_t producer_index, std::uint64_t count,
                    long long pause_after) {
  std::string body;
  RecordMeta meta;
  for (std::uint64_t seq = 0; count == 0 || seq < count; ++seq) {
    if (pause_after >= 0 && seq == static_cast<std::uint64_t>(pause_after)) {
      evbus::shm::testing::SetPauseAfterClaimHook(&PauseForever);
    }
    evbus::shm::testproc::MakePayload(producer_index, seq, &body);
    meta.timestamp_ns = static_cast<std::int64_t>(seq);
    meta.type = static_cast<std::uint16_t>(producer_index);
    std::uint64_t id = 0;
    const Status s = producer->Publish(meta, body, 60'000'000'000, &id);
    if (!s.ok()) {
      std::fprintf(stderr, "producer %u seq %llu: %s\n", producer_index,
                   static_cast<unsigned long long>(seq), s.ToString().c_str());
      return 3;
    }
  }
  WriteLine("done " + std::to_string(count));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr, "usage: %s STREAM PRODUCER_INDEX COUNT [pause-after=N]\n", argv[0]);
    return 2;
  }
  const std::string stream = argv[1];
  const auto producer_index = static_cast<std::uint32_t>(std::strtoul(argv[2], nullptr, 10));
  const std::uint64_t count = std::strtoull(argv[3], nullptr, 10);
  long long pause_after = -1;
  if (argc == 5) {
    if (std::strncmp(argv[4], "pause-after=", 12) != 0) {
      std::fprintf(stderr, "unknown option %s\n", argv[4]);
      return 2;
    }
    pause_after = std::strtoll(argv[4] + 12, nullptr, 10);
  }

  std::unique_ptr<Segment> segment;
  Status s = ::evbus::testutil::AssignTo(&segment, Segment::Open(stream, ""));
  if (!s.ok()) {
    std::fprintf(stderr, "producer %u: %s\n", producer_index, s.ToString().c_str());
    return 2;
  }
  std::unique_ptr<Producer> producer;
  s = ::evbus::testutil::AssignTo(
      &producer, Producer::Attach(segment.get(), "proc" + std::to_string(producer_index)));
  if (!s.ok()) {
    std::fprintf(stderr, "producer %u: %s\n", producer_index, s.ToString().c_str());
    return 2;
  }
  WriteLine("ready " + std::to_string(producer->slot_index()));
  return PublishPayloads(producer.get(), producer_index, count, pause_after);
}
