// AssignTo: the value of a Result into an existing variable, as a Status, so
// that a test can keep a fixture member and check the call in one line:
//   ASSERT_TRUE(AssignTo(&segment_, shm::Segment::Create(stream, "", options)).ok());
// Production code uses EVBUS_ASSIGN_OR_RETURN (base/status.h) instead.
#ifndef EVBUS_TESTS_TESTUTIL_ASSIGN_TO_H_
#define EVBUS_TESTS_TESTUTIL_ASSIGN_TO_H_

#include <utility>

#include "base/status.h"

namespace evbus::testutil {

template <typename T>
Status AssignTo(T* out, Result<T> result) {
  if (!result.ok()) return result.status();
  *out = std::move(*result);
  return Status::OK();
}

}  // namespace evbus::testutil

#endif  // EVBUS_TESTS_TESTUTIL_ASSIGN_TO_H_
