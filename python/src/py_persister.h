// The persister launcher (stream/persister_launcher.h) for Python: what
// evbus.openhands calls so that nothing has to be started by hand
// (docs/python.md, "Nothing to start by hand").
//
//   handle = _evbus.ensure_persister(sid, root, user_id, executable,
//                                    openhands_layout, exit_when_idle_s,
//                                    ready_timeout_s)
//   handle.wait_durable(last_id, timeout_s)   # close(): what it added is durable
//   handle.release()                          # the persister may exit when idle
//
// Thread safety: every call is made with the GIL held and releases it while
// the C++ side waits. A PersisterHandle belongs to the Python object that
// holds it (one thread at a time, as the GIL gives).
#ifndef EVBUS_PYTHON_SRC_PY_PERSISTER_H_
#define EVBUS_PYTHON_SRC_PY_PERSISTER_H_

#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>

#include "shm/segment.h"
#include "stream/persister_launcher.h"

namespace evbus::python {

// One process's hold on the stream's persister: its user lease (the
// persister stays while any is held) and a read-only view of the segment to
// wait on the persister's durable cursor.
class PersisterHandle {
 public:
  PersisterHandle(PersisterLease lease, std::unique_ptr<shm::Segment> segment);
  PersisterHandle(const PersisterHandle&) = delete;
  PersisterHandle& operator=(const PersisterHandle&) = delete;

  // Returns once every id up to `id` is durable; TimeoutError naming the
  // persister and its progress after `timeout_s`; RuntimeError after
  // release(), or when no persister was ever registered.
  void WaitDurable(std::int64_t id, double timeout_s);
  // Drops the user lease (idempotent): with no other user the persister
  // exits once idle (docs/persist.md, --exit-when-idle).
  void Release();

  int pid() const { return static_cast<int>(lease_.persister_pid); }
  bool started() const { return lease_.started; }
  const std::string& log_path() const { return lease_.log_path; }
  bool released() const { return segment_ == nullptr; }

 private:
  PersisterLease lease_;
  std::unique_ptr<shm::Segment> segment_;
};

// Registers PersisterHandle and ensure_persister in `module`.
void RegisterPersister(pybind11::module_& module);

}  // namespace evbus::python

#endif  // EVBUS_PYTHON_SRC_PY_PERSISTER_H_
