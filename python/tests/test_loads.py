"""A callback's dict is built in C++ from the event's JSON (python/src/py_loads.h)
instead of json.loads: it must be exactly what json.loads gives (the same types,
key order, strings), and wherever it is not sure of that it must leave the text
to json.loads (same result, same errors)."""

import json
import random
import threading

import pytest

import evbus
from evbus import _evbus
from conftest import trajectory_events


def same(a, b):
    """Equal with the same types everywhere (1 is not 1.0) and the same key order."""
    return repr(a) == repr(b) and type(a) is type(b)


def random_text(rng):
    ranges = [(0x20, 0x80), (0, 0x20), (0x80, 0x800), (0x800, 0xD800), (0xD800, 0xE000),
              (0xE000, 0x110000)]
    return ''.join(chr(rng.randrange(*rng.choice(ranges))) for _ in range(rng.randrange(0, 20)))


def random_value(rng, depth=0):
    makers = [lambda: None, lambda: True, lambda: False, lambda: rng.randrange(-2**80, 2**80),
              lambda: rng.randrange(-10**18, 10**18), lambda: rng.randrange(-99, 99),
              lambda: rng.uniform(-1, 1) * 10 ** rng.randrange(-320, 309), lambda: -0.0,
              lambda: random_text(rng),
              lambda: {random_text(rng): random_value(rng, depth + 1) for _ in range(4)},
              lambda: [random_value(rng, depth + 1) for _ in range(rng.randrange(0, 4))]]
    return rng.choice(makers if depth < 4 else makers[:9])()


def test_every_trajectory_event_as_stored_is_read_as_json_loads_reads_it():
    for event in trajectory_events():
        text = _evbus.normalize_event_json(json.dumps(event))
        taken, value = _evbus.loads_json(text)
        assert taken and same(value, json.loads(text)), text


def test_random_documents_in_every_form_json_dumps_writes():
    rng = random.Random(7)
    checked = 0
    for i in range(3000):
        value = random_value(rng)
        text = json.dumps(value, ensure_ascii=i % 2 == 0, indent=(None, 1, '\t')[i % 3],
                          separators=None if i % 5 else (',', ':'))
        try:
            text.encode()
        except UnicodeEncodeError:
            continue  # a raw lone surrogate has no UTF-8: the ring never holds one
        checked += 1
        taken, got = _evbus.loads_json(text)
        assert taken and same(got, json.loads(text)), text
        taken, got = _evbus.loads_json(text.encode())
        assert taken and same(got, json.loads(text))
    assert checked > 2000


@pytest.mark.parametrize('text', [
    '1e400', '-1e400', '-0', '-0.0', '12345678901234567890123', '"\\ud800"', '"\\udc00\\ud800"',
    '"\\ud83d\\ude00 \\u00e9\\u0041"', '"\\ud83dx"', ' {"a" : [ ] ,\n"b":{}}\t', '{"a":1,"b":2,"a":3}',
    '"\\/\\b\\f\\n\\r\\t\\"\\\\"', '"\x7f"', '[]', '{}', '""', '0', '1E5', '1.5e-3', 'true'])
def test_edge_cases_are_read_as_json_loads_reads_them(text):
    taken, got = _evbus.loads_json(text)
    assert taken and same(got, json.loads(text))


@pytest.mark.parametrize('text', [
    'NaN', 'Infinity', '-Infinity', '{"a":1,}', '[1,]', '01', '1.', '.5', '-', '1e', '"\x01"',
    '"\\x"', '"\\u12"', '"\\u12g4"', '{"a" 1}', '{1:2}', '', ' ', 'tru', 'nul', '"abc', '[1 2]',
    '{"a":1} x', '[' * 300 + ']' * 300, b'"\xff"', b'"\xed\xa0\x80"', b'"\xc0\xaf"',
    b'"\xe0\x80\x80"', b'"\xf4\x90\x80\x80"', b'"\xe2\x82"', '"a\\\n"'])
def test_what_it_declines_is_json_loads_s_to_read(text):
    assert _evbus.loads_json(text) == (False, None)


def test_a_callback_gets_json_loads_of_each_event(stream):
    events = trajectory_events() + [
        {'action': 'message', 'args': {'content': 'tab\t"quoted" \\ é 😀 \u2028 \x7f'}},
        {'observation': 'run', 'content': 'line 1\nline 2\r\n', 'extras': {'exit_code': -1,
                                                                          'big': 2**70,
                                                                          'f': 1e-300}}]
    got, done = [], threading.Event()

    def on_event(event):
        got.append(event)
        if len(got) == len(events):
            done.set()

    stream.subscribe(evbus.EventStreamSubscriber.TEST, on_event, 'loads')
    for event in events:
        stream.add_event({k: v for k, v in event.items() if k != 'id'}, 'agent')
    assert done.wait(20)
    for event in got:
        assert same(event, json.loads(stream._handle.get_event_json(event['id'])))
