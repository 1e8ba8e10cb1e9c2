#include "python/src/py_status.h"

#include <Python.h>

namespace evbus::python {
namespace {

namespace py = pybind11;

// Borrowed forever: the module holds a reference to each class and the
// extension is never unloaded.
PyObject* g_too_large = nullptr;
PyObject* g_busy = nullptr;
PyObject* g_back_pressured = nullptr;
PyObject* g_corruption = nullptr;

PyObject* MakeError(py::module_& module, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("evbus.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, nullptr);
  if (type == nullptr) throw py::error_already_set();
  module.add_object(name, py::reinterpret_borrow<py::object>(type));
  return type;
}

PyObject* ExceptionFor(Status::Code code) {
  switch (code) {
    case Status::Code::kInvalidArgument:
    case Status::Code::kAlreadyExists:
      return PyExc_ValueError;
    case Status::Code::kTooLarge:
      return g_too_large;
    case Status::Code::kNotFound:
      return PyExc_FileNotFoundError;
    case Status::Code::kUnavailable:
      return PyExc_RuntimeError;
    case Status::Code::kBusy:
      return g_busy;
    case Status::Code::kBackPressured:
      return g_back_pressured;
    case Status::Code::kTimedOut:
      return PyExc_TimeoutError;
    case Status::Code::kPermissionDenied:
      return PyExc_PermissionError;
    case Status::Code::kIOError:
      return PyExc_OSError;
    case Status::Code::kCorruption:
      return g_corruption;
    case Status::Code::kOk:
      break;
  }
  return PyExc_RuntimeError;
}

}  // namespace

void RegisterErrors(py::module_& module) {
  g_too_large =
      MakeError(module, "EventTooLargeError", PyExc_ValueError,
                "The event is larger than evbus takes at all (256 MiB less 64 KiB); larger than "
                "max_event_size is fine: its body goes to a file beside the ring.");
  g_busy = MakeError(module, "BusyError", PyExc_RuntimeError,
                     "A resource is held elsewhere or cannot be had now; retry later.");
  g_back_pressured = MakeError(module, "BackPressuredError", PyExc_TimeoutError,
                               "A durable consumer (the persister) lags: add_event waited "
                               "backpressure_timeout seconds for room.");
  g_corruption = MakeError(module, "CorruptionError", PyExc_OSError,
                           "A segment or store file is damaged; the message says where.");
}

void ThrowStatus(const Status& status) {
  PyErr_SetString(ExceptionFor(status.code()), status.message().c_str());
  throw py::error_already_set();
}

}  // namespace evbus::python
