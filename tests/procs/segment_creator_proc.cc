// Helper process for the attach-during-creation tests: creates a segment
// with the creation hook set to pause at one stage, so a test can attach
// while the header is half-written, or kill the creator there.
//
//   segment_creator_proc STREAM STAGE        STAGE: created | sized | header
//
// Stdout: "paused <STAGE>" when it reaches the stage; it then waits for
// SIGUSR1 and goes on; "created" once Create returned OK (or "FAIL <why>").
// It then waits for SIGUSR1 again before it exits, keeping the segment's
// creator alive for as long as the test needs.
// Exit status: 0 created, 1 Create failed, 2 usage error, 4 stdout gone.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "shm/segment.h"
#include "tests/testutil/assign_to.h"

namespace {

using evbus::shm::testing::CreationStage;

CreationStage g_pause_at = CreationStage::kCreated;
const char* g_stage_name = "";

void WriteLine(const std::string& line) {
  const std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) < 0) std::_Exit(4);
}

void WaitForSigusr1() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  int sig = 0;
  while (sigwait(&set, &sig) != 0 || sig != SIGUSR1) {
  }
}

void PauseHere(CreationStage stage) {
  if (stage != g_pause_at) return;
  WriteLine(std::string("paused ") + g_stage_name);
  WaitForSigusr1();
}

bool ParseStage(const char* name) {
  g_stage_name = name;
  if (std::strcmp(name, "created") == 0) {
    g_pause_at = CreationStage::kCreated;
  } else if (std::strcmp(name, "sized") == 0) {
    g_pause_at = CreationStage::kSized;
  } else if (std::strcmp(name, "header") == 0) {
    g_pause_at = CreationStage::kHeaderPartlyWritten;
  } else {
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || !ParseStage(argv[2])) {
    std::fprintf(stderr, "usage: %s STREAM created|sized|header\n", argv[0]);
    return 2;
  }
  sigset_t set;  // SIGUSR1 is taken by sigwait only
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  evbus::shm::testing::SetCreationHook(PauseHere);
  evbus::shm::SegmentOptions options;
  options.data_capacity = 1 << 16;
  options.index_slots = 256;
  options.max_record_size = 4096;
  std::unique_ptr<evbus::shm::Segment> segment;
  const evbus::Status s =
      ::evbus::testutil::AssignTo(&segment, evbus::shm::Segment::Create(argv[1], "", options));
  if (!s.ok()) {
    WriteLine("FAIL " + s.ToString());
    return 1;
  }
  WriteLine("created");
  WaitForSigusr1();
  return 0;
}
