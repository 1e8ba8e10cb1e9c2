"""Fixtures of the evbus Python tests: a temporary store root and a unique
stream per test, removed afterwards; OpenHands' own classes where present."""

import os
import pathlib
import sys
import uuid

import pytest

REPO = pathlib.Path(os.environ.get('EVBUS_SOURCE_DIR', pathlib.Path(__file__).resolve().parents[2]))
BUILD = pathlib.Path(os.environ.get('EVBUS_BINARY_DIR', REPO / 'build'))
if not any(pathlib.Path(p, 'evbus', '__init__.py').exists() for p in sys.path if p):
    sys.path.insert(0, str(BUILD / 'python'))

import evbus  # noqa: E402

TRAJECTORIES = REPO / 'tests' / 'data' / 'openhands-trajectories'
# Small rings: each test's segment is 1 MiB of tmpfs, not the default 64 MiB.
SMALL = {'capacity': 1 << 20, 'max_event_size': 1 << 16, 'index_slots': 1 << 12}


@pytest.fixture
def sid():
    name = f'py-{os.getpid()}-{uuid.uuid4().hex[:10]}'
    yield name
    try:
        evbus.destroy_stream(name)
    except FileNotFoundError:
        pass


@pytest.fixture
def open_stream(sid, tmp_path):
    """open_stream(**options) -> an EventStream on this test's sid and root."""
    streams = []

    def opener(**options):
        stream = evbus.EventStream(sid, tmp_path, **{**SMALL, **options})
        streams.append(stream)
        return stream

    yield opener
    for stream in streams:
        stream.close()


@pytest.fixture
def stream(open_stream):
    return open_stream()


def trajectory_events():
    """Every event of the recorded OpenHands trajectories, as OpenHands wrote them."""
    import json
    events = []
    for path in sorted(TRAJECTORIES.glob('*.json')):
        events.extend(json.loads(path.read_text()))
    return events


def _load_openhands():
    try:
        import pydantic
    except ImportError:
        return None, 'pydantic is not installed (OpenHands needs pydantic 2)'
    if not pydantic.VERSION.startswith('2'):
        return None, f'pydantic {pydantic.VERSION} here; OpenHands needs pydantic 2'
    try:
        import openhands.events.serialization  # an installed openhands
        return openhands, None
    except ImportError:
        pass
    shared = REPO.parent / 'shared' / 'third_party' / 'openhands'
    if not (shared / 'openhands_env.py').exists():
        return None, 'OpenHands is neither installed nor in ../shared/third_party/openhands'
    sys.path.insert(0, str(shared))
    import openhands_env
    openhands_env.install()
    import openhands.events.serialization  # noqa: F401
    import openhands
    return openhands, None


@pytest.fixture(scope='session')
def openhands():
    module, reason = _load_openhands()
    if module is None:
        pytest.skip(reason)
    return module
