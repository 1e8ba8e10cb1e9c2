#include "python/src/py_persister.h"

#include <chrono>
#include <cmath>
#include <utility>

#include "python/src/py_gil.h"
#include "python/src/py_status.h"

namespace evbus::python {
namespace py = pybind11;
namespace {

// Seconds from Python as milliseconds; ValueError for a negative or
// non-finite value, naming the argument.
std::chrono::milliseconds Millis(double seconds, const char* what) {
  if (!std::isfinite(seconds) || seconds < 0) {
    ThrowStatus(Status::InvalidArgument(std::string(what) +
                                        " must be a finite number of seconds >= 0, got " +
                                        std::to_string(seconds)));
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

// Starts (or finds) the stream's one persister and takes a user lease. The
// stream must be open in this process already (its segment exists).
std::unique_ptr<PersisterHandle> EnsurePersisterForPython(
    const std::string& session_id, const std::string& root, const std::string& user_id,
    const std::string& executable, bool openhands_layout, double exit_when_idle_s,
    double ready_timeout_s) {
  PersisterLaunch launch;
  launch.root = root;
  launch.session_id = session_id;
  launch.user_id = user_id;
  launch.executable = executable;
  launch.openhands_layout = openhands_layout;
  launch.exit_when_idle = Millis(exit_when_idle_s, "exit_when_idle");
  launch.ready_timeout = Millis(ready_timeout_s, "ready_timeout");
  Result<PersisterLease> lease = Status::Unavailable("not started");
  Result<std::unique_ptr<shm::Segment>> segment = Status::Unavailable("not opened");
  {
    ReleasedGil release;
    lease = EnsurePersister(launch);
    if (lease.ok()) segment = shm::Segment::OpenReadOnly(session_id, user_id);
  }
  PersisterLease held = ValueOrThrow(std::move(lease));
  return std::make_unique<PersisterHandle>(std::move(held), ValueOrThrow(std::move(segment)));
}

}  // namespace

PersisterHandle::PersisterHandle(PersisterLease lease, std::unique_ptr<shm::Segment> segment)
    : lease_(std::move(lease)), segment_(std::move(segment)) {}

void PersisterHandle::WaitDurable(std::int64_t id, double timeout_s) {
  if (segment_ == nullptr) {
    ThrowStatus(Status::Unavailable("the persister lease was released: open the stream again"));
  }
  const std::chrono::milliseconds timeout = Millis(timeout_s, "timeout");
  Status status;
  {
    ReleasedGil release;
    status = evbus::WaitDurable(*segment_, id, timeout);
  }
  ThrowIfError(status);
}

void PersisterHandle::Release() {
  ReleasedGil release;
  lease_.users = {};
  segment_.reset();
}

void RegisterPersister(py::module_& module) {
  py::class_<PersisterHandle>(module, "PersisterHandle")
      .def("wait_durable", &PersisterHandle::WaitDurable, py::arg("id"), py::arg("timeout"))
      .def("release", &PersisterHandle::Release)
      .def_property_readonly("pid", &PersisterHandle::pid)
      .def_property_readonly("started", &PersisterHandle::started)
      .def_property_readonly("log_path", &PersisterHandle::log_path)
      .def_property_readonly("released", &PersisterHandle::released);
  module.def("ensure_persister", &EnsurePersisterForPython, py::arg("sid"), py::arg("root"),
             py::arg("user_id"), py::arg("executable"), py::arg("openhands_layout"),
             py::arg("exit_when_idle"), py::arg("ready_timeout"));
}

}  // namespace evbus::python
