"""Waiting in C++ releases the GIL: add_event waiting out back-pressure lets
other Python threads run, and then raises BackPressuredError."""

import os
import pathlib
import signal
import threading
import time

import pytest

import evbus
from evbus import _evbus
from helpers import wait_until

PERSISTER = pathlib.Path(os.environ.get('EVBUS_BINARY_DIR',
                                        pathlib.Path(__file__).parents[2] / 'build'),
                         'evbus_persister')


def test_add_event_waiting_for_a_stalled_persister_releases_the_gil(sid, tmp_path):
    if not PERSISTER.exists():
        pytest.skip(f'evbus_persister is not built ({PERSISTER})')
    stream = evbus.EventStream(sid, tmp_path, capacity=1 << 16, max_event_size=1 << 12,
                               index_slots=64, backpressure_timeout=0.5)
    lease = _evbus.ensure_persister(sid, str(tmp_path), '', str(PERSISTER), False, 0.2, 10.0)
    os.kill(lease.pid, signal.SIGSTOP)  # a durable consumer that stops reading
    ticks, stop = [0], threading.Event()

    def ticker():
        while not stop.is_set():
            ticks[0] += 1
            time.sleep(0.001)

    thread = threading.Thread(target=ticker)
    thread.start()
    try:
        with pytest.raises(evbus.BackPressuredError, match='persister') as info:
            for i in range(65):  # the ring holds 64 events
                stream.add_event({'action': 'message', 'args': {'content': str(i)}}, 'agent')
        assert isinstance(info.value, TimeoutError)
        before = ticks[0]
        with pytest.raises(evbus.BackPressuredError):  # waits 0.5 s with the GIL released
            stream.add_event({'action': 'message', 'args': {'content': 'more'}}, 'agent')
        assert ticks[0] - before > 50, 'the ticker did not run while add_event waited'
    finally:
        stop.set()
        thread.join()
        os.kill(lease.pid, signal.SIGCONT)
        stream.close()
        lease.release()
        pid = lease.pid
        wait_until(lambda: not pathlib.Path(f'/proc/{pid}').exists()
                   or 'Z' in pathlib.Path(f'/proc/{pid}/stat').read_text().split()[2],
                   what='the persister to exit when idle')
