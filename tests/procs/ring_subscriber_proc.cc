// Helper process for the multi-process ring tests: attaches a subscriber and
// checks everything it reads with RingChecker until TOTAL ids are accounted
// for.
//
//   ring_subscriber_proc STREAM NAME DURABLE(0|1) PRODUCERS PER_PRODUCER
//
// A durable subscriber must see every record (no gap) and every producer's
// sequence complete; a non-durable one may be lapped (gaps are counted, and
// must start exactly where it stood). Abandoned and corrupt ids fail.
// Stdout: "ready" after attaching, then one summary line
// "ok records=R gaps=G gap_ids=L" or "FAIL <why>".
// Exit status: 0 ok, 1 check failed, 2 usage or attach error.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "shm/segment.h"
#include "shm/subscriber.h"
#include "shm/wait.h"
#include "tests/procs/ring_checker.h"
#include "tests/testutil/assign_to.h"

namespace {

using evbus::Status;
using evbus::shm::ReadStatus;
using evbus::shm::Record;
using evbus::shm::Segment;
using evbus::shm::Subscriber;
using evbus::shm::SubscriberOptions;

void WriteLine(const std::string& line) {
  std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) < 0) std::_Exit(4);
}

// Reads and checks until `total` ids are accounted for; false (with the
// FAIL line written) on a failed check or after the deadline.
bool ReadUntilTotal(Subscriber* sub, std::uint64_t total,
                    evbus::shm::testproc::RingChecker* checker) {
  // Generous: the parent's own deadline is what bounds the test.
  const std::int64_t deadline = evbus::shm::MonotonicNanos() + 300'000'000'000;
  Record rec;
  while (checker->next_id() < total) {
    if (evbus::shm::MonotonicNanos() > deadline) {
      WriteLine("FAIL timed out at id " + std::to_string(checker->next_id()));
      return false;
    }
    const ReadStatus status = sub->Read(&rec, 100'000'000);
    if (!checker->Feed(status, rec)) {
      WriteLine("FAIL " + checker->error());
      return false;
    }
  }
  return true;
}

// Every producer's sequence complete; false (with the FAIL line written)
// for the first that is not.
bool EveryProducerComplete(const evbus::shm::testproc::RingChecker& checker,
                           std::uint32_t producers, std::uint64_t per_producer) {
  for (std::uint32_t p = 0; p < producers; ++p) {
    if (checker.next_seq(p) != per_producer) {
      WriteLine("FAIL producer " + std::to_string(p) + " delivered " +
                std::to_string(checker.next_seq(p)) + " of " + std::to_string(per_producer));
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s STREAM NAME DURABLE PRODUCERS PER_PRODUCER\n", argv[0]);
    return 2;
  }
  const std::string stream = argv[1];
  SubscriberOptions options;
  options.name = argv[2];
  options.durable = std::strtoul(argv[3], nullptr, 10) != 0;
  options.start = evbus::shm::StartAt::kOldest;
  options.wait = evbus::shm::WaitStrategy::kBlocking;
  const auto producers = static_cast<std::uint32_t>(std::strtoul(argv[4], nullptr, 10));
  const std::uint64_t per_producer = std::strtoull(argv[5], nullptr, 10);
  const std::uint64_t total = producers * per_producer;

  std::unique_ptr<Segment> segment;
  Status s = ::evbus::testutil::AssignTo(&segment, Segment::Open(stream, ""));
  std::unique_ptr<Subscriber> sub;
  if (s.ok()) s = ::evbus::testutil::AssignTo(&sub, Subscriber::Attach(segment.get(), options));
  if (!s.ok()) {
    std::fprintf(stderr, "subscriber %s: %s\n", options.name.c_str(), s.ToString().c_str());
    return 2;
  }
  WriteLine("ready");

  evbus::shm::testproc::RingChecker checker(producers, /*allow_gaps=*/!options.durable,
                                            /*allow_abandoned=*/false);
  if (!ReadUntilTotal(sub.get(), total, &checker)) return 1;
  if (options.durable && !EveryProducerComplete(checker, producers, per_producer)) return 1;
  WriteLine("ok records=" + std::to_string(checker.records()) + " gaps=" +
            std::to_string(checker.gaps()) + " gap_ids=" + std::to_string(checker.gap_ids()));
  return 0;
}
