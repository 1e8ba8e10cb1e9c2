// Helper process for the late-write test (tests/shm/late_write_test.cc): a
// producer that stops between claim and write on every record until the
// parent lets it go, so the parent can have the record abandoned and the
// ring moved on before the stale write lands.
//
//   late_writer_proc STREAM PRODUCER_INDEX ROUNDS
//
// Each round publishes the payload (PRODUCER_INDEX, round) of
// tests/procs/ring_payload.h with one TryPublish. Between claim and write it
// prints "claimed <id>" and waits for SIGUSR1; then it writes the record and
// prints "abandoned <id>", "committed <id>" or "result <n> <id>".
// Stdout lines: "ready <pid>" after attaching, "done" at the end.
// Exit status: 0 done, 2 usage or attach error.
#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "shm/producer.h"
#include "shm/segment.h"
#include "tests/procs/proc_args.h"
#include "tests/procs/ring_payload.h"
#include "tests/testutil/assign_to.h"

namespace {

using evbus::Status;
using evbus::shm::Producer;
using evbus::shm::PublishResult;
using evbus::torture::WriteLine;

sigset_t g_resume_set;
std::uint64_t g_claimed = 0;

// Between claim and write: tell the parent, then wait until it says go.
void WaitForResume(std::uint64_t id) {
  g_claimed = id;
  WriteLine("claimed " + std::to_string(id));
  int signal = 0;
  if (::sigwait(&g_resume_set, &signal) != 0) std::_Exit(5);
}

std::string ResultLine(PublishResult result, std::uint64_t claimed) {
  switch (result) {
    case PublishResult::kAbandoned:
      return "abandoned " + std::to_string(claimed);
    case PublishResult::kOk:
      return "committed " + std::to_string(claimed);
    default:
      return "result " + std::to_string(static_cast<int>(result)) + " " + std::to_string(claimed);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (!evbus::torture::CheckUsage(argc, argv, 3, "STREAM PRODUCER_INDEX ROUNDS")) return 2;
  const std::uint32_t producer_index = evbus::torture::ArgU32(argv[2]);
  const std::uint64_t rounds = evbus::torture::ArgU64(argv[3]);
  // SIGUSR1 stays blocked so that sigwait, not a handler, receives it.
  sigemptyset(&g_resume_set);
  sigaddset(&g_resume_set, SIGUSR1);
  if (::sigprocmask(SIG_BLOCK, &g_resume_set, nullptr) != 0) return 2;

  std::unique_ptr<evbus::shm::Segment> segment;
  Status s = ::evbus::testutil::AssignTo(&segment, evbus::shm::Segment::Open(argv[1], ""));
  std::unique_ptr<Producer> producer;
  if (s.ok()) s = ::evbus::testutil::AssignTo(&producer, Producer::Attach(segment.get(), "late"));
  if (!s.ok()) {
    std::fprintf(stderr, "late writer: %s\n", s.ToString().c_str());
    return 2;
  }
  evbus::shm::testing::SetPauseAfterClaimHook(&WaitForResume);
  WriteLine("ready " + std::to_string(::getpid()));
  std::string body;
  for (std::uint64_t seq = 0; seq < rounds; ++seq) {
    evbus::shm::testproc::MakePayload(producer_index, seq, &body);
    evbus::shm::RecordMeta meta;
    meta.timestamp_ns = static_cast<std::int64_t>(seq);
    meta.type = static_cast<std::uint16_t>(producer_index);
    std::uint64_t id = 0;
    const PublishResult result = producer->TryPublish(meta, body, &id);
    WriteLine(ResultLine(result, g_claimed));
  }
  WriteLine("done");
  return 0;
}
