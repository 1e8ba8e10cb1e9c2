#include "python/src/py_gil.h"

#include <Python.h>

#include <cstdio>

namespace evbus::python {
namespace py = pybind11;

bool InterpreterAlive() noexcept { return Py_IsInitialized() != 0 && _Py_IsFinalizing() == 0; }

namespace {

// The PyThreadState of an evbus thread, made at its first callback.
struct KeptThreadState {
  PyThreadState* state = nullptr;
  ~KeptThreadState() {
    if (state == nullptr || !InterpreterAlive()) return;  // finalizing: leave it to CPython
    PyEval_RestoreThread(state);
    PyThreadState_Clear(state);
    PyThreadState_DeleteCurrent();  // and releases the GIL
  }
};
thread_local KeptThreadState kept_state;

}  // namespace

ScopedGil::ScopedGil() {
  PyThreadState* bound = PyGILState_GetThisThreadState();
  if (bound != nullptr && bound != kept_state.state) {  // a Python thread
    ensured_ = PyGILState_Ensure();
    mode_ = Mode::kEnsured;
    return;
  }
  if (bound == nullptr) {
    // Bound to this thread (PyGILState, pybind11's nested acquires find it).
    // Its count of 1 is this owner's: their releases never delete it.
    kept_state.state = PyThreadState_New(PyInterpreterState_Main());
    kept_state.state->gilstate_counter = 1;
  }
  if (PyGILState_Check() != 0) return;  // already held here
  PyEval_RestoreThread(kept_state.state);
  mode_ = Mode::kRestored;
}

ScopedGil::~ScopedGil() {
  if (mode_ == Mode::kEnsured) PyGILState_Release(ensured_);
  if (mode_ == Mode::kRestored) (void)PyEval_SaveThread();
}

std::shared_ptr<py::object> ShareAcrossThreads(py::object object) {
  return std::shared_ptr<py::object>(new py::object(std::move(object)), [](py::object* held) {
    if (!InterpreterAlive()) {
      (void)held->release();  // leaked on purpose: no Python call is safe now
      delete held;
      return;
    }
    ScopedGil gil;
    delete held;
  });
}

namespace {

void LogLine(const std::string& line) noexcept {
  if (!InterpreterAlive()) {
    std::fprintf(stderr, "evbus: %s\n", line.c_str());
    return;
  }
  ScopedGil gil;
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
