"""add_event(dict) writes the dict's JSON in C++ (python/src/py_json.h): it
must be byte for byte json.dumps(value, separators=(',', ':')), and leave to
json.dumps whatever it cannot write exactly so."""

import enum
import json
import random

import evbus
from evbus import _evbus
from conftest import trajectory_events


def dumps(value):
    return json.dumps(value, separators=(',', ':'))


def random_string(rng):
    ranges = [(0, 0x80), (0x80, 0x800), (0x800, 0xD800), (0xE000, 0x110000)]
    return ''.join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randrange(0, 24)))


def test_trajectory_events_are_written_as_json_dumps_writes_them():
    events = trajectory_events()
    assert events
    for event in events:
        assert _evbus.compact_json(event) == dumps(event)


def test_escapes_numbers_and_nesting_match_json_dumps():
    tricky = {
        'text': '\x00\x1f\x7f"\\/\b\f\n\r\t é \u2028 \U0001F600',
        'numbers': [0, -1, 2**63 - 1, -(2**63), 2**64, -(2**200), 0.1, -0.0, 1e300, 1e-7,
                    123456789.0, 5e-324],
        'flags': [True, False, None],
        'nested': {'list': [[], {}, [{'a': ('tuple', 1)}]], '': ''},
    }
    assert _evbus.compact_json(tricky) == dumps(tricky)
    rng = random.Random(13)
    for _ in range(500):
        value = {random_string(rng): random_string(rng),
                 'f': rng.uniform(-1, 1) * 10 ** rng.randrange(-300, 300),
                 'i': rng.randrange(-2**90, 2**90)}
        assert _evbus.compact_json(value) == dumps(value)


class Tag(str, enum.Enum):
    RUN = 'run'


def test_what_only_json_dumps_writes_is_left_to_it():
    deep = []
    for _ in range(100):
        deep = [deep]
    for value in (float('nan'), float('inf'), {1: 'int key'}, {'a': object()},
                  {'tag': Tag.RUN}, deep):
        assert _evbus.compact_json(value) is None


def test_add_event_with_a_dict_json_dumps_must_write_still_works(stream):
    # An int key and a str-enum value: json.dumps writes them ("1", "run").
    event = {'action': 'run', 'args': {'command': 'ls', 1: Tag.RUN}}
    assert stream.add_event(event, evbus.EventSource.AGENT) == 0
    assert stream.get_event(0)['args'] == {'command': 'ls', '1': 'run'}
    try:
        stream.add_event({'action': 'run', 'args': {'x': object()}}, 'agent')
    except ValueError as e:
        assert 'not JSON-serializable' in str(e)
    else:
        raise AssertionError('an object() in an event was accepted')
