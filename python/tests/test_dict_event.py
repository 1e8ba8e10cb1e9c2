"""add_event(dict) fills the evbus Event straight from the dict
(python/src/py_event.h) instead of writing the dict's JSON and parsing it
again: what it stores must be byte for byte what the JSON-text path stores,
redaction included, and wherever it is not sure of that it must leave the
dict to the text path (same result, same errors)."""

import enum
import json
import random
import re

import pytest

import evbus
from evbus import _evbus
from conftest import SMALL, TRAJECTORIES, trajectory_events


def dumps(value):
    return json.dumps(value, separators=(',', ':'))


def every_trajectory_event():
    """The recorded events and their round-tripped forms (canonical.jsonl), ids removed."""
    events = trajectory_events()
    for line in (TRAJECTORIES / 'canonical.jsonl').read_text().splitlines():
        if line.strip():
            events.append(json.loads(line))
    return [{k: v for k, v in e.items() if k != 'id'} for e in events]


def text_path_json(event):
    """The Event JSON the JSON-text path (json.dumps, then ParseEvent) gives; None when it refuses."""
    try:
        return _evbus.normalize_event_json(dumps(event))
    except ValueError:
        return None


def test_every_trajectory_event_takes_the_fast_path_with_the_text_paths_result():
    events = every_trajectory_event()
    assert len(events) == 72
    for event in events:
        fast = _evbus.event_json_from_dict(event)
        assert fast is not None, f'the fast path declined {event}'
        assert fast == text_path_json(event)


def without_id_and_time(stored):
    """The stored JSON less its id and timestamp (add_event stamps the time of the call)."""
    match = re.match(r'\{"id":\d+,"timestamp":"[^"]+",', stored)
    assert match, stored
    return stored[match.end():]


def test_stored_json_is_the_text_paths_byte_for_byte_with_redaction(stream):
    stream.set_secrets({'cmd': 'ls -la', 'word': 'hello', 'token': 'ghp_' + 'a1b2c3d4e5' * 4})
    events = every_trajectory_event()
    events.append({'action': 'run', 'args': {'command': 'echo ghp_' + 'a1b2c3d4e5' * 4,
                                             'hidden': False}, 'timeout': 120})
    for event in events:
        text = dumps(event)
        by_dict = stream.add_event(dict(event), event.get('source') or 'agent')
        by_text = stream.add_event_json(text, event.get('source') or 'agent')
        as_dict = stream.search_events_json(start_id=by_dict, end_id=by_dict)
        as_text = stream.search_events_json(start_id=by_text, end_id=by_text)
        assert without_id_and_time(next(iter(as_dict))) == without_id_and_time(next(iter(as_text)))
    assert stream.get_latest_event()['args']['command'] == 'echo <secret_hidden>'


def random_text(rng):
    ranges = [(0, 0x80), (0x80, 0x800), (0x800, 0xD800), (0xD800, 0xE000), (0xE000, 0x110000)]
    return ''.join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randrange(0, 12)))


def random_value(rng, depth=0):
    makers = [lambda: None, lambda: True, lambda: False, lambda: rng.randrange(-2**70, 2**70),
              lambda: rng.randrange(-5, 5), lambda: float(rng.randrange(-9, 9)),
              lambda: rng.uniform(-1, 1) * 10 ** rng.randrange(-300, 300),
              lambda: random_text(rng),
              lambda: {random_text(rng): random_value(rng, depth + 1) for _ in range(3)},
              lambda: [random_value(rng, depth + 1) for _ in range(3)],
              lambda: (random_value(rng, depth + 1),),
              lambda: {'hidden': random_value(rng, depth + 1)}]
    return rng.choice(makers if depth < 3 else makers[:8])()


MEMBERS = ['id', 'timestamp', 'source', 'message', 'cause', 'action', 'observation',
           'tool_call_metadata', 'llm_metrics', 'args', 'timeout', 'content', 'extras',
           'success', 'hidden', 'other']


def mutated(rng, event):
    """`event` with a few members (or a nested args/extras key) changed or removed."""
    event = dict(event)
    for _ in range(rng.randrange(1, 3)):
        key = rng.choice(MEMBERS)
        if rng.random() < 0.3 and isinstance(event.get(key), dict):
            event[key] = dict(event[key])
            event[key][rng.choice(['hidden', 'x', random_text(rng)])] = random_value(rng)
        elif rng.random() < 0.2:
            event.pop(key, None)
        else:
            event[key] = random_value(rng)
    return event


def test_mutated_events_match_the_text_path_or_are_left_to_it():
    rng = random.Random(14)
    events = every_trajectory_event()
    taken = 0
    for _ in range(4000):
        event = mutated(rng, rng.choice(events))
        fast = _evbus.event_json_from_dict(event)
        if fast is not None:
            taken += 1
            assert fast == text_path_json(event), repr(event)
    assert 500 < taken < 3500  # both paths were exercised


@pytest.mark.parametrize('event', [
    {'action': 'run', 'args': {'command': 'ls', 'hidden': 'yes'}},       # ParseEvent refuses
    {'action': 'no_such_tag', 'args': {}},
    {'observation': 'run', 'content': 'x', 'args': {'command': 'ls'}},    # a member of the other kind
    {'action': 'run', 'observation': 'run', 'args': {}},
    {'action': 'run', 'args': {'n': 2**64}},                              # beyond 64 bits
    {'action': 'run', 'args': {'bad': '\udc00'}},                         # a lone surrogate
    {'action': 'run', 'args': {}, 'cause': True},
    {'action': 'run', 'args': {}, 'timeout': float('nan')},
])
def test_what_the_fast_path_declines_behaves_as_the_text_path(open_stream, event):
    assert _evbus.event_json_from_dict(event) is None
    stream = open_stream()
    try:
        expected = ('ok', stream.get_event(stream.add_event_json(dumps(event), 'agent')))
    except ValueError as e:
        expected = ('error', str(e))
    try:
        got = ('ok', stream.get_event(stream.add_event(dict(event), 'agent')))
    except ValueError as e:
        got = ('error', str(e))
    assert got[0] == expected[0]
    if got[0] == 'ok':
        assert {k: v for k, v in got[1].items() if k not in ('id', 'timestamp')} == \
            {k: v for k, v in expected[1].items() if k not in ('id', 'timestamp')}
    else:
        assert got[1] == expected[1]


def test_a_dict_with_an_id_is_refused_as_before(stream):
    with pytest.raises(ValueError, match='Event already has an ID'):
        stream.add_event({'id': 3, 'action': 'run', 'args': {'command': 'ls'}}, 'agent')
    assert stream.get_latest_event_id() == -1


class Kind(str, enum.Enum):
    RUN = 'run'
    READ = 'read'


def test_a_str_enum_tag_is_read_as_json_dumps_writes_it():
    for event in ({'action': Kind.RUN, 'args': {'command': 'ls'}},
                  {'observation': Kind.READ, 'content': 'x', 'extras': {'path': '/a'}}):
        fast = _evbus.event_json_from_dict(event)
        assert fast is not None
        assert fast == text_path_json(event)
    # Elsewhere a str subclass is still left to json.dumps.
    assert _evbus.event_json_from_dict({'action': 'run', 'args': {'command': Kind.RUN}}) is None


def test_openhands_drop_in_stores_what_adding_openhands_json_text_stores(openhands, sid, tmp_path):
    from openhands.events.serialization.event import event_from_dict, event_to_dict
    from openhands.io.json import dumps as openhands_dumps
    from openhands.storage.local import LocalFileStore

    import evbus.openhands

    stream = evbus.openhands.EventStream(sid, LocalFileStore(str(tmp_path)), exit_when_idle=0.5,
                                         **SMALL)
    try:
        stream.set_secrets({'word': 'hello'})
        for data in every_trajectory_event():
            data.pop('timestamp', None)
            source = data.get('source') or 'agent'
            as_dict = event_to_dict(event_from_dict(dict(data)))
            assert _evbus.event_json_from_dict(as_dict) is not None  # the fast path
            event = event_from_dict(dict(data))
            stream.add_event(event, source)
            by_text = stream._stream.add_event_json(openhands_dumps(as_dict), source)
            stored = [without_id_and_time(next(iter(stream._stream.search_events_json(
                start_id=i, end_id=i)))) for i in (event.id, by_text)]
            assert stored[0] == stored[1]
    finally:
        stream.close()


def test_add_event_sets_what_the_general_path_sets_in_one_call(stream):
    """add_event(dict) adds and sets id, timestamp and source in one C++ call
    (add_dict_in_place): the dict ends as the general path leaves it (the
    same keys in the same order, the stored timestamp's text, the caller's
    source object), and a dict that call declines is left untouched."""
    stream.set_secrets({'cmd': 'ls -la'})
    source = ''.join(['ag', 'ent'])  # a str object of the caller's own
    for event in every_trajectory_event():
        by_call, general = dict(event), dict(event)
        event_id = stream.add_event(by_call, source)
        general_id, timestamp = stream._add_dict(general, source)
        general.update(id=general_id, timestamp=timestamp, source=source)
        assert list(by_call) == list(general)
        assert by_call['timestamp'] == stream.get_event(event_id)['timestamp']
        assert {**by_call, 'id': 0, 'timestamp': ''} == {**general, 'id': 0, 'timestamp': ''}
        assert by_call['id'] == event_id and by_call['source'] is source
    declined = {'action': 'run', 'args': {'n': 2**64}}
    assert stream._handle.add_dict_in_place(declined, 'agent') is None
    assert declined == {'action': 'run', 'args': {'n': 2**64}}
    latest = stream.get_latest_event_id()
    refused = {'action': 'run', 'args': {'command': 'ls'}}
    with pytest.raises(ValueError):
        stream._handle.add_dict_in_place(refused, 'nobody')  # not a source
    assert refused == {'action': 'run', 'args': {'command': 'ls'}}
    assert stream.get_latest_event_id() == latest
