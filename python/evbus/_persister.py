"""The stream's persister, started by EventStream(persist=True) and by
evbus.openhands: where its executable is, and the lease on it that a stream
holds while open (docs/python.md, "Persisting: nothing to start by hand")."""

import os
import shutil
import threading

from evbus import _evbus

_PERSISTER = 'evbus_persister'


def _executable(path):
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_persister():
    """The evbus_persister to start: $EVBUS_PERSISTER, else beside the package
    (the build tree's build/evbus_persister), else the installed bindir, else
    PATH. FileNotFoundError names every place tried."""
    env = os.environ.get('EVBUS_PERSISTER')
    if env:
        if _executable(env):
            return env
        raise FileNotFoundError(f"EVBUS_PERSISTER names '{env}', which is not an executable "
                                f'file: fix or unset it')
    package = os.path.dirname(os.path.abspath(_evbus.__file__))
    candidates = [os.path.join(package, _PERSISTER),
                  os.path.join(package, os.pardir, os.pardir, _PERSISTER)]
    try:
        from evbus import _paths  # written by cmake --install
        candidates.append(os.path.join(package, _paths.BINDIR_FROM_PACKAGE, _PERSISTER))
        candidates.append(os.path.join(_paths.BINDIR, _PERSISTER))
    except ImportError:
        pass
    candidates = [os.path.normpath(c) for c in candidates]
    for candidate in candidates:
        if _executable(candidate):
            return candidate
    on_path = shutil.which(_PERSISTER)
    if on_path:
        return on_path
    tried = ', '.join(candidates)
    raise FileNotFoundError(f'cannot find {_PERSISTER}: EVBUS_PERSISTER is not set, and it is '
                            f'neither at {tried} nor on PATH; set EVBUS_PERSISTER to its path or '
                            f'install evbus (cmake --install)')


class PersisterLease:
    """This process's use of the stream's persister: started when none runs
    (exactly one however many processes open the stream), asked on close()
    to make durable the newest id this stream object added, then let go of
    (it exits `exit_when_idle` seconds after the last process let go)."""

    def __init__(self, sid, root, user_id, openhands_layout, exit_when_idle, durable_timeout):
        self._handle = _evbus.ensure_persister(sid, root, user_id or '', find_persister(),
                                               openhands_layout, exit_when_idle, 10.0)
        self._durable_timeout = durable_timeout
        self._last_added = -1
        self._lock = threading.Lock()

    @property
    def pid(self):
        return self._handle.pid

    def added(self, event_id):
        with self._lock:  # add_event may run on several threads
            if event_id > self._last_added:
                self._last_added = event_id

    def wait_durable(self, event_id, timeout):
        self._handle.wait_durable(event_id, timeout)

    def close_durable(self):
        """Waits until what this stream object added is durable (TimeoutError
        after durable_timeout, naming the persister's pid and its progress)."""
        if self._last_added >= 0:
            self._handle.wait_durable(self._last_added, self._durable_timeout)

    def release(self):
        """Lets go of the persister (it exits once idle if nobody else uses it)."""
        self._handle.release()
