// For the multi-process shm tests: the path of a helper executable,
// ChildProcess (fork+exec with stdout on a pipe, see
// tests/testutil/child_process.h) and a segment name removed on scope exit.
#ifndef EVBUS_TESTS_SHM_CHILD_PROCESS_H_
#define EVBUS_TESTS_SHM_CHILD_PROCESS_H_

#include <string>
#include <utility>

#include "shm/segment.h"
#include "tests/testutil/child_process.h"

namespace evbus::shm::testproc {

using testutil::ChildProcess;

inline std::string HelperPath(const std::string& name) {
  return std::string(EVBUS_BINARY_DIR) + "/" + name;
}

// Removes a test's segment when it goes out of scope, also on failure.
struct ScopedSegmentName {
  explicit ScopedSegmentName(std::string s) : stream(std::move(s)) {
    (void)Segment::Remove(stream, "");
  }
  ~ScopedSegmentName() { (void)Segment::Remove(stream, ""); }
  std::string stream;
};

}  // namespace evbus::shm::testproc

#endif  // EVBUS_TESTS_SHM_CHILD_PROCESS_H_
