"""search_events: OpenHands' start/end/reverse/limit semantics and EventFilter."""

import datetime
import types

import pytest

import evbus
from evbus import EventFilter


def fill(stream, n=10, prefix='test'):
    for i in range(n):
        stream.add_event({'observation': 'null', 'content': f'{prefix}{i}', 'extras': {}}, 'agent')


def contents(events):
    return [e['content'] for e in events]


def test_search_events_is_a_lazy_generator(stream):
    fill(stream, 3)
    found = stream.search_events()
    assert isinstance(found, types.GeneratorType)
    fill(stream, 2, prefix='late')  # before the first next(): seen, as in OpenHands
    assert contents(found) == ['test0', 'test1', 'test2', 'late0', 'late1']


def test_limits_as_openhands(stream):
    fill(stream, 10)
    assert len(list(stream.search_events())) == 10
    assert contents(stream.search_events(limit=5)) == [f'test{i}' for i in range(5)]
    assert contents(stream.search_events(start_id=5, limit=3)) == ['test5', 'test6', 'test7']
    assert contents(stream.search_events(reverse=True, limit=4)) == ['test9', 'test8', 'test7',
                                                                     'test6']
    assert len(list(stream.search_events(limit=None))) == 10
    assert len(list(stream.search_events(limit=0))) == 10  # 0: no limit
    assert len(list(stream.search_events(limit=-1))) == 1
    assert len(list(stream.search_events(limit=100))) == 10
    assert list(stream.search_events(start_id=10)) == []


def test_end_id_is_inclusive_and_reverse_keeps_start_id_as_lower_bound(stream):
    fill(stream, 20)
    assert [e['id'] for e in stream.search_events(start_id=3, end_id=12)] == list(range(3, 13))
    assert [e['id'] for e in stream.search_events(start_id=3, end_id=12, reverse=True)] == list(
        range(12, 2, -1))
    assert [e['id'] for e in stream.search_events(start_id=15, reverse=True)] == list(
        range(19, 14, -1))


def test_batches_do_not_lose_or_repeat_events(stream):
    for i in range(700):  # more than two batches of 256
        stream.add_event_json('{"observation":"null","content":"c%d","extras":{}}' % i, 'agent')
    assert [e['id'] for e in stream.search_events()] == list(range(700))
    assert [e['id'] for e in stream.search_events(reverse=True)] == list(range(699, -1, -1))
    assert len(list(stream.search_events(limit=600))) == 600
    assert len(list(stream.search_events_json(start_id=100, limit=513))) == 513
    odd = EventFilter(query='c1')  # c1, c10-c19, c100-c199
    assert len(list(stream.search_events(filter=odd))) == 111
    assert len(list(stream.search_events(filter=odd, reverse=True, limit=300))) == 111


def add_mixed(stream):
    stream.add_event({'action': 'null', 'args': {}}, 'agent')  # 0
    stream.add_event({'observation': 'null', 'content': 'test', 'extras': {}}, 'agent')  # 1
    stream.add_event({'action': 'message', 'args': {'content': 'hello'}}, 'user')  # 2
    stream.add_event({'action': 'run', 'args': {'command': 'ls', 'hidden': True}}, 'agent')  # 3
    stream.add_event({'observation': 'run', 'content': 'hello world',
                      'extras': {'command': 'ls', 'hidden': False}}, 'environment')  # 4


def ids(events):
    return [e['id'] for e in events]


def test_filters_by_type_source_query_and_hidden(stream):
    add_mixed(stream)
    s = stream.search_events
    assert ids(s(filter=EventFilter(include_types=('NullAction',)))) == [0]
    assert ids(s(filter=EventFilter(include_types=('Action',)))) == [0, 2, 3]
    assert ids(s(filter=EventFilter(include_types='Observation'))) == [1, 4]
    assert ids(s(filter=EventFilter(exclude_types=('NullAction', 'NullObservation')))) == [2, 3, 4]
    assert ids(s(filter=EventFilter(source='user'))) == [2]
    assert ids(s(filter=EventFilter(source=evbus.EventSource.ENVIRONMENT))) == [4]
    assert ids(s(filter=EventFilter(query='HELLO'))) == [2, 4]
    assert ids(s(filter=EventFilter(query='hello'), limit=1)) == [2]
    assert ids(s(filter=EventFilter(exclude_hidden=True))) == [0, 1, 2, 4]
    assert ids(s(filter=EventFilter(source='agent'), reverse=True, limit=2)) == [3, 1]


def test_filter_dates_and_include_on_dicts(stream):
    add_mixed(stream)
    third = stream.get_event(2)
    assert ids(stream.search_events(filter=EventFilter(start_date=third['timestamp']))) == [2, 3, 4]
    assert ids(stream.search_events(filter=EventFilter(end_date=third['timestamp']))) == [0, 1, 2]
    future = datetime.datetime.now() + datetime.timedelta(days=1)
    assert ids(stream.search_events(filter=EventFilter(start_date=future))) == []
    assert EventFilter(source='user').include(third)
    assert EventFilter(source='agent').exclude(third)
    assert EventFilter(query='hello').include('{"action":"message","args":{"content":"hello"}}')


def test_types_given_as_classes_map_by_name_or_tag(stream):
    add_mixed(stream)

    class CmdRunAction:  # a class named as OpenHands' one
        pass

    class MyRunObservation:  # unknown name: mapped by its observation tag
        observation = 'run'

    class Unknown:
        pass

    assert ids(stream.search_events(filter=EventFilter(include_types=(CmdRunAction,)))) == [3]
    assert ids(stream.search_events(filter=EventFilter(include_types=(MyRunObservation,)))) == [4]
    with pytest.raises(ValueError, match='Unknown'):
        list(stream.search_events(filter=EventFilter(include_types=(Unknown,))))


def test_openhands_classes_as_filter_types(stream, openhands):
    from openhands.events.action import CmdRunAction, MessageAction
    from openhands.events.observation import CmdOutputObservation, NullObservation
    from openhands.events.action.action import Action

    add_mixed(stream)
    f = EventFilter(include_types=(CmdRunAction, MessageAction))
    assert ids(stream.search_events(filter=f)) == [2, 3]
    assert ids(stream.search_events(filter=EventFilter(include_types=(Action,)))) == [0, 2, 3]
    f = EventFilter(exclude_types=(NullObservation, CmdOutputObservation))
    assert ids(stream.search_events(filter=f)) == [0, 2, 3]
