// FaultChild: one helper process of a torture scenario, started with
// fork+exec, its stdout on a pipe and its stderr in a log file, killed with
// real signals and reaped within deadlines (no sleeps). The process handling
// is testutil::ChildProcess (tests/testutil/child_process.h).
//
// The destructor resumes (SIGCONT) and then SIGKILLs and reaps a child that
// still runs, so a scenario that fails early, even with the child stopped,
// leaves no process behind.
#ifndef EVBUS_TESTS_FAULT_FAULT_CHILD_H_
#define EVBUS_TESTS_FAULT_FAULT_CHILD_H_

#include <signal.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/testutil/child_process.h"

namespace evbus::torture {

using Clock = std::chrono::steady_clock;

class FaultChild : public testutil::ChildProcess {
 public:
  FaultChild() = default;
  ~FaultChild() {
    if (running()) ::kill(pid(), SIGCONT);  // the base then SIGKILLs and reaps
  }

  // Starts argv (argv[0] is a path); stderr is appended to `stderr_path`
  // ("" = /dev/null). False if pipe or fork failed.
  bool Start(const std::vector<std::string>& argv, const std::string& stderr_path = "") {
    return ChildProcess::Start(argv, stderr_path.empty() ? "/dev/null" : stderr_path.c_str());
  }

  void Signal(int signal) const { Kill(signal); }
};

}  // namespace evbus::torture

#endif  // EVBUS_TESTS_FAULT_FAULT_CHILD_H_
