"""OpenHands' own read-only EventStore on the files evbus_persister writes with
--openhands-layout: every event published through the `evbus` CLI comes back
from search_events / get_event / get_latest_event_id, redacted, in the files
and cache pages OpenHands' EventStream would have written (docs/persist.md,
"OpenHands layout").

Run by ctest (openhands_layout_test) with EVBUS_BUILD_DIR set; skipped with a
one-line reason when OpenHands' classes or pydantic 2 are not available.
"""

import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time

try:
    import pytest
except ImportError:  # Debian's python3-pytest, for a python3 without its own
    sys.path.append('/usr/lib/python3/dist-packages')
    import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
BUILD_DIR = os.environ.get('EVBUS_BUILD_DIR', os.path.join(SOURCE_DIR, 'build'))
TRAJECTORY = os.path.join(SOURCE_DIR, 'tests', 'data', 'openhands-trajectories',
                          'canonical.jsonl')
OPENHANDS = os.environ.get(
    'EVBUS_OPENHANDS_DIR',
    os.path.join(os.path.dirname(SOURCE_DIR), 'shared', 'third_party', 'openhands'))
SECRET = '2048'  # appears in the trajectory's first messages
PROTECTED = {'id', 'timestamp', 'source', 'cause', 'action', 'observation'}


def _openhands():
    """OpenHands' EventStore, LocalFileStore and serializer, or a skip reason."""
    try:
        import pydantic
    except ImportError:
        return None, 'pydantic is not installed (OpenHands needs pydantic 2)'
    if not pydantic.VERSION.startswith('2.'):
        return None, f'pydantic {pydantic.VERSION} is not 2.x (OpenHands needs pydantic 2)'
    try:
        import openhands.events.event_store  # noqa: F401  an installed openhands
    except ImportError:
        if not os.path.isdir(OPENHANDS):
            return None, f'no OpenHands classes (no openhands package, no {OPENHANDS})'
        sys.path.insert(0, OPENHANDS)
        import openhands_env
        openhands_env.install()
    from openhands.events.event_store import EventStore
    from openhands.events.serialization import event_from_dict, event_to_dict
    from openhands.storage.local import LocalFileStore
    return (EventStore, LocalFileStore, event_from_dict, event_to_dict), None


OH, SKIP_REASON = _openhands()
pytestmark = pytest.mark.skipif(OH is None, reason=SKIP_REASON or '')


def _evbus(*args, stdin=None):
    result = subprocess.run([os.path.join(BUILD_DIR, 'evbus'), *args], input=stdin,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f'evbus {args[0]}: {result.stderr}'
    return result.stdout


def _redact(value, top=True):
    if isinstance(value, dict):
        return {k: v if top and k in PROTECTED else _redact(v, False) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, False) for v in value]
    if isinstance(value, str):
        return value.replace(SECRET, '<secret_hidden>')
    return value


def _wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out'
        time.sleep(0.01)


def _start_persister(root, sid, user):
    args = [os.path.join(BUILD_DIR, 'evbus_persister'), '--root', root, '--session', sid,
            '--openhands-layout']
    if user:
        args += ['--user', user]
    persister = subprocess.Popen(args, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 bufsize=0)
    # Running (its SIGTERM handler installed) once it says what it persists.
    deadline = time.monotonic() + 30
    seen = b''
    while b'persisting' not in seen:
        left = deadline - time.monotonic()
        assert left > 0 and select.select([persister.stderr], [], [], left)[0], seen
        chunk = os.read(persister.stderr.fileno(), 4096)
        assert chunk, f'evbus_persister exited: {seen}'
        seen += chunk
    return persister


def _stop(persister):
    persister.send_signal(signal.SIGTERM)
    _, err = persister.communicate(timeout=30)
    assert persister.returncode == 0, err


@pytest.mark.parametrize('user', [None, 'u1'])
def test_openhands_event_store_reads_every_published_event(user):
    EventStore, LocalFileStore, event_from_dict, event_to_dict = OH
    with open(TRAJECTORY) as f:
        lines = [line for line in f if line.strip()]
    sid = f'ohlayout-{os.getpid()}-{user or "none"}'
    user_args = ['--user', user] if user else []
    with tempfile.TemporaryDirectory() as root:
        _evbus('create', sid, '--capacity', '1MiB', '--max-event', '256KiB', *user_args)
        try:
            _evbus('secrets', sid, *user_args, 'set', stdin=json.dumps({'k': SECRET}))
            persister = _start_persister(root, sid, user)
            ids = [int(i) for i in _evbus('publish', sid, *user_args,
                                          stdin=''.join(lines)).split()]
            assert ids == list(range(len(lines)))
            conv = os.path.join(root, f'users/{user}/conversations/{sid}' if user
                                else f'sessions/{sid}')
            last = os.path.join(conv, 'events', f'{ids[-1]}.json')
            _wait_for(lambda: os.path.exists(last))
            _stop(persister)

            store = EventStore(sid, LocalFileStore(root), user)
            assert store.get_latest_event_id() == ids[-1]
            found = list(store.search_events())
            assert [e.id for e in found] == ids
            for line, event in zip(lines, found):
                want = _redact(json.loads(line))
                got = event_to_dict(event)
                assert got['timestamp'] and SECRET not in json.dumps(got)
                want = event_to_dict(event_from_dict(dict(want, id=event.id,
                                                          timestamp=got['timestamp'])))
                assert got == want
                assert event_to_dict(store.get_event(event.id)) == got

            # The files are what OpenHands writes: json.dumps text, pages of 25.
            for i in ids:
                with open(os.path.join(conv, 'events', f'{i}.json')) as f:
                    text = f.read()
                assert text == json.dumps(json.loads(text))
            pages = sorted(os.listdir(os.path.join(conv, 'event_cache')))
            assert pages == [f'{s}-{s + 25}.json' for s in range(0, len(ids) - 24, 25)]
            with open(os.path.join(conv, 'event_cache', '0-25.json')) as f:
                page = f.read()
            files = []
            for i in range(25):
                with open(os.path.join(conv, 'events', f'{i}.json')) as f:
                    files.append(json.loads(f.read()))
            assert page == json.dumps(files)

            # A restarted persister writes back what was lost, byte for byte.
            with open(os.path.join(conv, 'events', '3.json')) as f:
                before = f.read()
            os.remove(os.path.join(conv, 'events', '3.json'))
            os.remove(os.path.join(conv, 'event_cache', '0-25.json'))
            persister = _start_persister(root, sid, user)
            _wait_for(lambda: os.path.exists(os.path.join(conv, 'event_cache', '0-25.json')))
            _stop(persister)
            with open(os.path.join(conv, 'events', '3.json')) as f:
                assert f.read() == before
            with open(os.path.join(conv, 'event_cache', '0-25.json')) as f:
                assert f.read() == page
        finally:
            _evbus('destroy', sid, *user_args)


if __name__ == '__main__':
    sys.exit(pytest.main([__file__, '-v']))
