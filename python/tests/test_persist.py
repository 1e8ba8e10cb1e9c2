"""EventStream(persist=True): the stream's persister starts on open (nothing
to start by hand, as in OpenHands, where every event is persisted), close()
returns once what this object added is durable, and the events outlive the
shared-memory segment."""

import json
import pathlib

import pytest

import evbus
from evbus._persister import find_persister
from helpers import wait_until

SMALL = {'capacity': 1 << 20, 'max_event_size': 1 << 16, 'index_slots': 1 << 12}


def _gone(pid):
    stat = pathlib.Path(f'/proc/{pid}/stat')
    try:
        return 'Z' in stat.read_text().split()[2]
    except FileNotFoundError:
        return True


@pytest.fixture
def persister_built():
    try:
        find_persister()
    except FileNotFoundError as e:
        pytest.skip(f'evbus_persister is not built: {e}')


def test_events_added_with_persist_outlive_the_segment(persister_built, sid, tmp_path):
    stream = evbus.EventStream(sid, tmp_path, persist=True, openhands_layout=True,
                               exit_when_idle=0.2, **SMALL)
    pid = stream.persister.pid
    assert not _gone(pid)
    for i in range(30):
        stream.add_event({'action': 'message', 'args': {'content': f'hello {i}'}}, 'user')
    stream.add_event(json.dumps({'observation': 'run', 'content': 'last', 'extras': {}}), 'agent')
    stream.close()  # returns once id 30 is durable
    wait_until(lambda: _gone(pid), what='the persister to exit once idle')
    evbus.destroy_stream(sid)  # the ring is gone: only the store can answer now

    reader = evbus.EventStream(sid, tmp_path)
    try:
        assert reader.get_latest_event_id() == 30
        assert reader.get_event(7)['args']['content'] == 'hello 7'
        assert [e['id'] for e in reader.search_events(start_id=25)] == [25, 26, 27, 28, 29, 30]
    finally:
        reader.close()
    session = tmp_path / 'sessions' / sid
    assert json.loads((session / 'events' / '30.json').read_text())['content'] == 'last'
    assert len(json.loads((session / 'event_cache' / '0-25.json').read_text())) == 25


def test_a_stream_without_persist_starts_no_persister(sid, tmp_path):
    with evbus.EventStream(sid, tmp_path, **SMALL) as stream:
        assert stream.persister is None
        stream.add_event({'action': 'message', 'args': {'content': 'x'}}, 'user')
    assert not (tmp_path / 'sessions' / sid / 'evbus' / 'persister.log').exists()


def test_persist_with_no_persister_to_start_says_where_it_looked(sid, tmp_path, monkeypatch):
    monkeypatch.setenv('EVBUS_PERSISTER', str(tmp_path / 'missing'))
    with pytest.raises(FileNotFoundError, match='EVBUS_PERSISTER names'):
        evbus.EventStream(sid, tmp_path, persist=True, **SMALL)
    # The failed open left nothing attached: the stream opens again.
    with evbus.EventStream(sid, tmp_path, **SMALL) as stream:
        assert stream.get_latest_event_id() == -1
