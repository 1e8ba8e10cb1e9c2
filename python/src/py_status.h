// How a Status becomes a Python exception (docs/python.md, "Errors").
//
//   Status code        Python exception
//   InvalidArgument    ValueError
//   AlreadyExists      ValueError (as OpenHands' duplicate callback id)
//   TooLarge           evbus.EventTooLargeError (a ValueError)
//   NotFound           FileNotFoundError
//   Unavailable        RuntimeError (the stream is closed)
//   Busy               evbus.BusyError (a RuntimeError)
//   BackPressured      evbus.BackPressuredError (a TimeoutError)
//   TimedOut           TimeoutError
//   PermissionDenied   PermissionError
//   IOError            OSError
//   Corruption         evbus.CorruptionError (an OSError)
//
// The exception's text is the Status message alone, as the C++ side wrote it.
//
// Thread safety: RegisterErrors once at import; ThrowStatus with the GIL held.
#ifndef EVBUS_PYTHON_SRC_PY_STATUS_H_
#define EVBUS_PYTHON_SRC_PY_STATUS_H_

#include <pybind11/pybind11.h>

#include "base/status.h"

namespace evbus::python {

// Creates evbus's own exception classes in `module`.
void RegisterErrors(pybind11::module_& module);

// Raises the Python exception for `status` (which is not OK).
[[noreturn]] void ThrowStatus(const Status& status);

// Returns the value of `result` or raises its Status.
template <typename T>
T ValueOrThrow(Result<T>&& result) {
  if (!result.ok()) ThrowStatus(result.status());
  return std::move(result).value();
}

inline void ThrowIfError(const Status& status) {
  if (!status.ok()) ThrowStatus(status);
}

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_STATUS_H_
