// The GIL and evbus's threads: what a callback thread, a log line or a
// destructor on any thread may do with Python objects.
//
// evbus calls back on its own threads (docs/event_stream.md, "Threads").
// Those threads take the GIL only around Python code, and never once the
// interpreter is finalizing (a thread that takes the GIL then is ended by
// CPython in the middle of C++ frames). evbus's atexit hook closes every
// open stream before that (python/evbus/_stream.py), so in practice no
// callback is left to skip.
//
// Thread safety: every function may be called from any thread, with or
// without the GIL.
#ifndef EVBUS_PYTHON_SRC_PY_GIL_H_
#define EVBUS_PYTHON_SRC_PY_GIL_H_

#include <pybind11/pybind11.h>

#include <functional>
#include <memory>
#include <string>

namespace evbus::python {

// False once the interpreter has begun to finalize (or was never started).
bool InterpreterAlive() noexcept;

// Holds the GIL for its scope, on any thread. A thread Python does not know
// (evbus's workers) gets one PyThreadState, kept for the thread's life and
// reused by every scope (creating one per callback costs more than the
// callback), deleted when the thread exits (leaked once the interpreter
// finalizes). A Python thread uses PyGILState; a thread that already holds
// the GIL changes nothing. Check InterpreterAlive() first.
class ScopedGil {
 public:
  ScopedGil();
  ~ScopedGil();
  ScopedGil(const ScopedGil&) = delete;
  ScopedGil& operator=(const ScopedGil&) = delete;

 private:
  enum class Mode { kAlreadyHeld, kRestored, kEnsured };
  Mode mode_ = Mode::kAlreadyHeld;
  PyGILState_STATE ensured_ = PyGILState_UNLOCKED;
};

// Releases the GIL for its scope (the calling thread must hold it), as
// pybind11's gil_scoped_release does, except at the end: when CPython ends
// the thread there instead of giving the GIL back (a daemon thread at
// interpreter exit: PyEval_RestoreThread calls pthread_exit), the unwind
// passes through this destructor, which may throw for that reason alone;
// an implicitly noexcept one would call std::terminate and abort the
// process. The calls between must not be noexcept either.
class ReleasedGil {
 public:
  ReleasedGil() : state_(PyEval_SaveThread()) {}
  ~ReleasedGil() noexcept(false) { PyEval_RestoreThread(state_); }
  ReleasedGil(const ReleasedGil&) = delete;
  ReleasedGil& operator=(const ReleasedGil&) = delete;

 private:
  PyThreadState* state_;
};

// Holds `object` so that the last owner may drop it on any thread: the
// reference is released under the GIL, or leaked once the interpreter is
// finalizing (nothing may touch it then). Call with the GIL held.
std::shared_ptr<pybind11::object> ShareAcrossThreads(pybind11::object object);

// A log sink for EventStreamOptions::log: each line goes to Python's
// logging.getLogger("evbus").warning(line), or to stderr while the
// interpreter is finalizing or when logging fails.
std::function<void(const std::string&)> PythonLogSink();

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_GIL_H_
