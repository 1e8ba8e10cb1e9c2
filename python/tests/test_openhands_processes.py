"""Nothing to start by hand (docs/python.md): opening evbus.openhands.EventStream
starts the stream's one persister (with OpenHands' file layout), in real
processes: two opening at once share one persister; kill -9 of a producer
loses nothing it was told was added; OpenHands' own read-only EventStore on
the same directory sees every event; close() returns once they are durable;
the persister exits once the last process closed the stream."""

import json
import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import pytest
from conftest import SMALL
from helpers import child_env, wait_until

# A child: opens the stream, prints its persister's pid, adds `count` events
# (printing each id once add_event returned; count < 0: forever), then waits
# for a line on stdin before close().
CHILD = textwrap.dedent('''
    import json, sys
    from conftest import _load_openhands
    assert _load_openhands()[0] is not None
    import evbus.openhands
    from openhands.events.action import MessageAction
    from openhands.storage.local import LocalFileStore
    sid, root, count, small = sys.argv[1], sys.argv[2], int(sys.argv[3]), json.loads(sys.argv[4])
    stream = evbus.openhands.EventStream(sid, LocalFileStore(root), exit_when_idle=0.5, **small)
    print('persister', stream._persister.pid, flush=True)
    i = 0
    while i != count:
        event = MessageAction(content=f'event {i} ' + 'x' * 200)
        stream.add_event(event, 'agent')
        print('added', event.id, flush=True)
        i += 1
    sys.stdin.readline()
    stream.close()
    print('closed', flush=True)
''')


def _child(sid, root, count):
    env = child_env()
    env['PYTHONPATH'] = os.pathsep.join([str(pathlib.Path(__file__).parent), env['PYTHONPATH']])
    return subprocess.Popen([sys.executable, '-c', CHILD, sid, str(root), str(count),
                             json.dumps(SMALL)], env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _persisters(sid):
    """Pids of live evbus_persister processes of stream `sid` (from /proc)."""
    pids = []
    for entry in pathlib.Path('/proc').iterdir():
        try:
            argv = (entry / 'cmdline').read_bytes().split(b'\0')
            state = (entry / 'stat').read_text().split(') ')[1][0]
        except (OSError, IndexError):
            continue
        if state != 'Z' and argv and argv[0].endswith(b'evbus_persister') and \
                sid.encode() in argv:
            pids.append(int(entry.name))
    return pids


def _openhands_store(sid, root):
    from openhands.events.event_store import EventStore
    from openhands.storage.local import LocalFileStore
    return EventStore(sid, LocalFileStore(str(root)), None)


def test_two_processes_opening_at_once_share_one_persister(openhands, sid, tmp_path):
    children = [_child(sid, tmp_path, 3) for _ in range(2)]
    lines = [[c.stdout.readline().split() for _ in range(4)] for c in children]
    pids = {int(line[0][1]) for line in lines}
    assert len(pids) == 1 and pids == set(_persisters(sid)), (lines, _persisters(sid))
    for child in children:
        child.stdin.write('\n')
        child.stdin.flush()
        assert child.stdout.readline().strip() == 'closed', child.stderr.read()
        assert child.wait(timeout=20) == 0
    # close() returned: all six events are in OpenHands' own files.
    assert [e.id for e in _openhands_store(sid, tmp_path).search_events()] == list(range(6))
    # The last process closed: the persister exits once idle (exit_when_idle).
    wait_until(lambda: not _persisters(sid), what='the persister to exit when idle')


def test_kill_9_of_a_producer_loses_nothing_it_added(openhands, sid, tmp_path):
    import evbus.openhands
    from openhands.storage.local import LocalFileStore

    child = _child(sid, tmp_path, -1)
    assert child.stdout.readline().startswith('persister')
    added = []
    while len(added) < 300:
        added.append(int(child.stdout.readline().split()[1]))
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=20)
    reader = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), exit_when_idle=0.5,
                                         **SMALL)
    try:
        assert reader.get_latest_event_id() >= added[-1]
        reader._persister.wait_durable(reader.get_latest_event_id(), 20.0)
        for event_id in added:
            assert reader.get_event(event_id).content.startswith(f'event {event_id} ')
    finally:
        reader.close()
    store = _openhands_store(sid, tmp_path)
    assert {e.id for e in store.search_events(end_id=added[-1])} == set(added)


@pytest.mark.parametrize('user_id', [None, 'user-7'])
def test_openhands_event_store_sees_every_event_added(openhands, sid, tmp_path, user_id):
    import evbus.openhands
    from openhands.events.event_store import EventStore
    from openhands.events.serialization.event import event_from_dict, event_to_dict
    from openhands.storage.local import LocalFileStore
    from openhands.storage.locations import get_conversation_dir
    from test_openhands import _events

    stream = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), user_id,
                                         exit_when_idle=0.5, **SMALL)
    try:
        stream.set_secrets({'game': '2048'})
        for source, data in _events():
            stream.add_event(event_from_dict(dict(data)), source)
        ours = [event_to_dict(e) for e in stream.search_events()]
        stream.close()  # returns once every event is durable: the files are there
        store = EventStore(sid, LocalFileStore(str(tmp_path)), user_id)
        theirs = [event_to_dict(e) for e in store.search_events()]
        assert theirs == ours and len(ours) == len(_events())
        assert store.get_latest_event_id() == len(ours) - 1
        assert (tmp_path / get_conversation_dir(sid, user_id) / 'event_cache' /
                '0-25.json').exists()
        # Timestamps are never redacted (OpenHands' neither), and '2048' may
        # occur in one's microseconds: look everywhere else.
        assert '2048' not in json.dumps([{k: v for k, v in e.items() if k != 'timestamp'}
                                         for e in theirs])
    finally:
        stream.close()
        if user_id:
            evbus.destroy_stream(sid, user_id)


def test_close_from_a_callback_does_not_deadlock(openhands, sid, tmp_path):
    import threading

    import evbus.openhands
    from openhands.events.action import MessageAction
    from openhands.storage.local import LocalFileStore

    stream = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), exit_when_idle=0.5,
                                         **SMALL)
    called = threading.Event()

    def close_on_event(event):
        stream.close()
        called.set()

    stream.subscribe('test', close_on_event, 'closer')
    stream.add_event(MessageAction(content='close now'), 'user')
    assert called.wait(20), 'close() from the callback did not return'
    # Closed once the callback returned: reads answer as a closed stream does.
    wait_until(lambda: stream.get_latest_event_id() == -1,
               what='the stream to close after its callback returned')
    with pytest.raises(RuntimeError):
        stream.add_event(MessageAction(content='after close'), 'user')
    assert [e.id for e in _openhands_store(sid, tmp_path).search_events()] == [0]


def test_no_persister_executable_is_a_clear_error(openhands, sid, tmp_path, monkeypatch):
    import evbus.openhands
    from openhands.storage.local import LocalFileStore

    monkeypatch.setenv('EVBUS_PERSISTER', str(tmp_path / 'missing'))
    with pytest.raises(FileNotFoundError, match='EVBUS_PERSISTER names .*missing.*fix or unset'):
        evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), **SMALL)
    monkeypatch.delenv('EVBUS_PERSISTER')
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(evbus._evbus, '__file__', str(tmp_path / 'x' / '_evbus.so'))
    with pytest.raises(FileNotFoundError, match='cannot find evbus_persister.*nor on PATH'):
        evbus.openhands.find_persister()


def test_close_returns_only_once_its_events_are_durable(openhands, sid, tmp_path):
    import threading

    import evbus.openhands
    from openhands.events.action import MessageAction
    from openhands.storage.local import LocalFileStore

    stream = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), exit_when_idle=0.5,
                                         **SMALL)
    persister = stream._persister.pid
    os.kill(persister, signal.SIGSTOP)  # the persister cannot make anything durable
    try:
        for i in range(30):
            stream.add_event(MessageAction(content=f'm{i}'), 'user')
        closer = threading.Thread(target=stream.close)
        closer.start()
        closer.join(0.5)
        assert closer.is_alive(), 'close() returned while the persister was stopped'
    finally:
        os.kill(persister, signal.SIGCONT)
    closer.join(20)
    assert not closer.is_alive()
    assert [e.id for e in _openhands_store(sid, tmp_path).search_events()] == list(range(30))


def test_close_says_which_persister_lags_when_it_times_out(openhands, sid, tmp_path):
    import evbus.openhands
    from openhands.events.action import MessageAction
    from openhands.storage.local import LocalFileStore

    stream = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), exit_when_idle=0.5,
                                         durable_timeout=0.2, **SMALL)
    persister = stream._persister.pid
    os.kill(persister, signal.SIGSTOP)
    try:
        stream.add_event(MessageAction(content='m'), 'user')
        with pytest.raises(TimeoutError, match=f'persister .*pid {persister}'):
            stream.close()
    finally:
        os.kill(persister, signal.SIGCONT)
    with pytest.raises(RuntimeError):
        stream.add_event(MessageAction(content='after close'), 'user')


def test_finds_the_installed_persister_through_paths(openhands, tmp_path, monkeypatch):
    import types

    import evbus.openhands

    bindir = tmp_path / 'prefix' / 'bin'
    bindir.mkdir(parents=True)
    persister = bindir / 'evbus_persister'
    persister.write_text('#!/bin/sh\n')
    persister.chmod(0o755)
    package = tmp_path / 'prefix' / 'lib' / 'python3' / 'dist-packages' / 'evbus'
    paths = types.SimpleNamespace(BINDIR_FROM_PACKAGE='../../../../bin', BINDIR='/nonexistent')
    monkeypatch.delenv('EVBUS_PERSISTER', raising=False)
    monkeypatch.setenv('PATH', str(tmp_path))
    monkeypatch.setattr(evbus._evbus, '__file__', str(package / '_evbus.so'))
    monkeypatch.setitem(sys.modules, 'evbus._paths', paths)
    assert evbus.openhands.find_persister() == str(persister)
    monkeypatch.setenv('EVBUS_PERSISTER', '/bin/true')  # the variable comes first
    assert evbus.openhands.find_persister() == '/bin/true'


def test_another_process_reads_an_event_as_soon_as_add_event_returned(openhands, sid, tmp_path):
    import evbus.openhands
    from openhands.storage.local import LocalFileStore

    reader = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), exit_when_idle=0.5,
                                         **SMALL)
    child = _child(sid, tmp_path, 50)
    try:
        assert child.stdout.readline().split()[1] == str(reader._persister.pid)
        for _ in range(50):
            event_id = int(child.stdout.readline().split()[1])
            assert reader.get_event(event_id).content.startswith(f'event {event_id} ')
            found = list(reader.search_events(start_id=event_id, end_id=event_id))
            assert [e.id for e in found] == [event_id]
        child.stdin.write('\n')
        child.stdin.flush()
        assert child.wait(timeout=20) == 0
    finally:
        reader.close()


def test_close_waits_for_what_every_thread_added(openhands, sid, tmp_path):
    import threading

    import evbus.openhands
    from openhands.events.action import MessageAction
    from openhands.storage.local import LocalFileStore

    stream = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), exit_when_idle=0.5,
                                         **SMALL)

    def add(n):
        for i in range(n):
            stream.add_event(MessageAction(content=f'm{i}'), 'agent')

    threads = [threading.Thread(target=add, args=(50,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stream.close()
    assert [e.id for e in _openhands_store(sid, tmp_path).search_events()] == list(range(200))
