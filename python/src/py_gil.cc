#include "python/src/py_gil.h"

#include <Python.h>

#include <cstdio>

namespace evbus::python {
namespace py = pybind11;

bool InterpreterAlive() noexcept { return Py_IsInitialized() != 0 && _Py_IsFinalizing() == 0; }

std::shared_ptr<py::object> ShareAcrossThreads(py::object object) {
  return std::shared_ptr<py::object>(new py::object(std::move(object)), [](py::object* held) {
    if (!InterpreterAlive()) {
      (void)held->release();  // leaked on purpose: no Python call is safe now
      delete held;
      return;
    }
    py::gil_scoped_acquire gil;
    delete held;
  });
}

namespace {

void LogLine(const std::string& line) noexcept {
  if (!InterpreterAlive()) {
    std::fprintf(stderr, "evbus: %s\n", line.c_str());
    return;
  }
  py::gil_scoped_acquire gil;
  try {
    py::module_::import("logging").attr("getLogger")("evbus").attr("warning")(line);
  } catch (py::error_already_set& e) {
    e.discard_as_unraisable("evbus log line");
    std::fprintf(stderr, "evbus: %s\n", line.c_str());
  } catch (...) {
    std::fprintf(stderr, "evbus: %s\n", line.c_str());
  }
}

}  // namespace

std::function<void(const std::string&)> PythonLogSink() { return LogLine; }

}  // namespace evbus::python
