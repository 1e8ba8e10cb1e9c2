// Helper process for the dead-waiter tests: attaches a non-durable
// subscriber that starts at the head and waits in the blocking (futex)
// strategy, so a test can kill it with SIGKILL while it sleeps.
//
//   waiting_reader_proc STREAM NAME
//
// Stdout: "ready <slot>" after attaching, then "record <id>" for each record
// it reads (other outcomes: "other <id>"). It reads until killed.
// Exit status: 2 usage or attach error, 4 stdout gone.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "shm/segment.h"
#include "shm/subscriber.h"
#include "tests/testutil/assign_to.h"

namespace {

using evbus::Status;
using evbus::shm::ReadStatus;
using evbus::shm::Record;
using evbus::shm::Segment;
using evbus::shm::Subscriber;
using evbus::shm::SubscriberOptions;

void WriteLine(const std::string& line) {
  const std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) < 0) std::_Exit(4);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s STREAM NAME\n", argv[0]);
    return 2;
  }
  SubscriberOptions options;
  options.name = argv[2];
  options.start = evbus::shm::StartAt::kLatest;
  options.wait = evbus::shm::WaitStrategy::kBlocking;
  std::unique_ptr<Segment> segment;
  Status s = ::evbus::testutil::AssignTo(&segment, Segment::Open(argv[1], ""));
  std::unique_ptr<Subscriber> sub;
  if (s.ok()) s = ::evbus::testutil::AssignTo(&sub, Subscriber::Attach(segment.get(), options));
  if (!s.ok()) {
    std::fprintf(stderr, "waiting reader %s: %s\n", argv[2], s.ToString().c_str());
    return 2;
  }
  WriteLine("ready " + std::to_string(sub->slot_index()));
  Record rec;
  for (;;) {
    const ReadStatus status = sub->Read(&rec, /*timeout_ns=*/-1);
    if (status == ReadStatus::kEmpty) continue;
    WriteLine((status == ReadStatus::kRecord ? "record " : "other ") + std::to_string(rec.id));
  }
}
