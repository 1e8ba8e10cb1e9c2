"""evbus.openhands.EventStream beside OpenHands' own EventStream: fed the same
events of the recorded trajectories, both give the same answers to every
query (docs/python.md, "Switching an OpenHands process over"); differences
only where docs/compat.md says so on purpose (timestamps are the stream's,
redaction also covers top-level messages and lists)."""

import json
import subprocess
import sys

import pytest
from conftest import SMALL, TRAJECTORIES
from helpers import child_env, wait_until

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')

SECRETS = {'game': '2048', 'editor': 'index.html'}
PROTECTED = {'id', 'timestamp', 'source', 'cause', 'action', 'observation'}


def _events():
    """(source, data) of every recorded event, without id and timestamp."""
    out = []
    for path in sorted(TRAJECTORIES.glob('*.json*')):
        text = path.read_text()
        rows = ([json.loads(line) for line in text.splitlines() if line.strip()]
                if path.suffix == '.jsonl' else json.loads(text))
        for row in rows:
            data = {k: v for k, v in row.items() if k not in ('id', 'timestamp')}
            out.append((data.get('source', 'agent'), data))
    return out


def _redacted(value, top=True):
    """`value` with every secret hidden outside the protected top-level keys."""
    if isinstance(value, dict):
        return {k: v if top and k in PROTECTED else _redacted(v, False) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, False) for v in value]
    if isinstance(value, str):
        for secret in SECRETS.values():
            value = value.replace(secret, '<secret_hidden>')
    return value


@pytest.fixture
def pair(openhands, sid, tmp_path):
    """(original, evbus.openhands) streams fed the same events, with what each
    one's callback received."""
    from openhands.events.serialization.event import event_from_dict, event_to_dict
    from openhands.events.stream import EventStream as Original
    from openhands.events.stream import EventStreamSubscriber
    from openhands.storage.local import LocalFileStore

    import evbus.openhands

    original = Original(sid, LocalFileStore(str(tmp_path / 'original')))
    ours = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path / 'evbus')),
                                       exit_when_idle=0.5, **SMALL)
    received = {'original': [], 'evbus': []}
    for name, stream in (('original', original), ('evbus', ours)):
        stream.subscribe(EventStreamSubscriber.TEST,
                         lambda e, got=received[name]: got.append(event_to_dict(e)), 'collect')
        stream.set_secrets({'game': SECRETS['game']})
        stream.update_secrets({'editor': SECRETS['editor']})
    events = _events()
    for source, data in events:
        for stream in (original, ours):
            event = event_from_dict(dict(data))
            stream.add_event(event, source)
            assert event.id == stream.get_latest_event_id()
    wait_until(lambda: len(received['original']) == len(received['evbus']) == len(events),
               what='both streams\' callbacks to receive every event')
    yield original, ours, received
    ours.close()
    original.close()


def _same(original_events, evbus_events):
    from openhands.events.serialization.event import event_to_dict

    left = [_redacted(event_to_dict(e)) for e in original_events]
    right = [event_to_dict(e) for e in evbus_events]
    for d in left + right:
        d.pop('timestamp', None)
    assert [d.get('id') for d in left] == [d.get('id') for d in right]
    assert left == right


def test_is_an_openhands_event_store_with_its_attributes(pair):
    from openhands.events.event_store_abc import EventStoreABC

    original, ours, _ = pair
    assert isinstance(ours, EventStoreABC)
    for name in ('sid', 'user_id', 'cur_id', 'cache_size'):
        assert getattr(ours, name) == getattr(original, name), name
    assert ours.file_store.root.endswith('evbus')
    assert ours.secrets == original.secrets == SECRETS


def test_get_event_latest_and_callbacks_match(pair):
    original, ours, received = pair
    n = original.get_latest_event_id() + 1
    assert ours.get_latest_event_id() == n - 1
    _same([original.get_event(i) for i in range(n)], [ours.get_event(i) for i in range(n)])
    _same([original.get_latest_event()], [ours.get_latest_event()])
    want = [_redacted(d) for d in received['original']]
    got = [dict(d) for d in received['evbus']]
    for d in want + got:
        d.pop('timestamp', None)
    assert got == want  # same events, same (id) order
    with pytest.raises(FileNotFoundError):
        ours.get_event(n + 5)


def _filters():
    from openhands.events.action import Action, CmdRunAction, MessageAction
    from openhands.events.event_filter import EventFilter
    from openhands.events.observation import NullObservation, Observation

    return [None, EventFilter(include_types=(CmdRunAction,)),
            EventFilter(include_types=(MessageAction, Observation)),
            EventFilter(exclude_types=(NullObservation,), exclude_hidden=True),
            EventFilter(include_types=(Action,), source='agent'),
            EventFilter(source='user'), EventFilter(query='GAME'),
            EventFilter(query='python', exclude_types=(MessageAction,)),
            EventFilter(start_date='2000-01-01T00:00:00', end_date='2100-01-01T00:00:00')]


@pytest.mark.parametrize('reverse', [False, True])
def test_search_events_with_filters_match(pair, reverse):
    original, ours, _ = pair
    for index, event_filter in enumerate(_filters()):
        for start_id, end_id, limit in ((0, None, None), (5, 40, None), (3, None, 4),
                                        (0, 60, -1), (10, 10, 0)):
            args = dict(start_id=start_id, end_id=end_id, reverse=reverse, filter=event_filter,
                        limit=limit)
            try:
                _same(list(original.search_events(**args)), list(ours.search_events(**args)))
            except AssertionError as e:
                raise AssertionError(f'filter #{index} {event_filter}, {args}: {e}') from None


def test_deprecated_queries_match(pair):
    from openhands.events.action import CmdRunAction, MessageAction
    from openhands.events.observation import NullObservation

    original, ours, _ = pair
    for kwargs in ({}, {'query': 'game'}, {'event_types': (MessageAction,), 'limit': 3},
                   {'source': 'agent', 'start_id': 4, 'reverse': True, 'limit': 100}):
        _same(original.get_matching_events(**kwargs), ours.get_matching_events(**kwargs))
    for limit in (0, 101, -3):
        with pytest.raises(ValueError) as want:
            original.get_matching_events(limit=limit)
        with pytest.raises(ValueError) as got:
            ours.get_matching_events(limit=limit)
        assert str(got.value) == str(want.value) == 'Limit must be between 1 and 100'
    with pytest.warns(DeprecationWarning):
        old = list(ours.get_events(filter_out_type=(NullObservation, CmdRunAction),
                                   filter_hidden=True))
    _same(list(original.get_events(filter_out_type=(NullObservation, CmdRunAction),
                                   filter_hidden=True)), old)
    _same(list(original.filtered_events_by_source('user')),
          list(ours.filtered_events_by_source('user')))


def test_adding_an_event_twice_raises_openhands_error(pair):
    from openhands.events.action import MessageAction

    original, ours, _ = pair
    for stream in (original, ours):
        event = MessageAction(content='again')
        stream.add_event(event, 'user')
        with pytest.raises(ValueError) as raised:
            stream.add_event(event, 'user')
        assert str(raised.value).startswith(f'Event already has an ID:{event.id}.')


def test_duplicate_and_unknown_subscriptions_as_openhands(pair):
    original, ours, _ = pair
    for stream in (original, ours):
        with pytest.raises(ValueError):
            stream.subscribe('test', lambda e: None, 'collect')
        stream.unsubscribe('test', 'no-such-callback')  # a warning, no error
        stream.unsubscribe('test', 'collect')


def test_callbacks_run_with_an_event_loop_set(pair):
    import asyncio

    _, ours, _ = pair
    from openhands.events.action import MessageAction

    loops = []
    ours.subscribe('main', lambda e: loops.append(asyncio.get_event_loop()), 'loop')
    ours.add_event(MessageAction(content='x'), 'user')
    wait_until(lambda: loops, what='the callback')
    assert isinstance(loops[0], asyncio.AbstractEventLoop)


def test_file_store_other_than_local_is_a_type_error(openhands, sid):
    from openhands.storage.memory import InMemoryFileStore

    import evbus.openhands

    with pytest.raises(TypeError, match='needs an OpenHands LocalFileStore.*InMemoryFileStore'):
        evbus.openhands.EventStream(sid, InMemoryFileStore())


def test_import_evbus_does_not_import_openhands():
    code = 'import sys, evbus; assert "openhands" not in sys.modules, sorted(sys.modules)'
    result = subprocess.run([sys.executable, '-c', code], env=child_env(), capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 0, result.stderr
