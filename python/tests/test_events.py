"""Events in and out: dicts in OpenHands' event_to_dict shape, JSON text."""

import json

import pytest

import evbus
from conftest import trajectory_events

META = ('id', 'timestamp', 'source')


def strip(event):
    return {k: v for k, v in event.items() if k not in META}


def test_add_and_get_a_dict(stream):
    event = {'action': 'message', 'args': {'content': 'hi', 'wait_for_response': False}}
    assert stream.add_event(event, evbus.EventSource.USER) == 0
    got = stream.get_event(0)
    assert got['id'] == 0 and got['source'] == 'user' and got['action'] == 'message'
    assert got['args'] == {'content': 'hi', 'wait_for_response': False}
    assert got['message'] == ''
    # The caller's dict gets id, timestamp and source, as OpenHands' Event does.
    assert (event['id'], event['source'], event['timestamp']) == (0, 'user', got['timestamp'])
    assert stream.get_latest_event() == got and stream.get_latest_event_id() == 0


def test_every_trajectory_event_round_trips_in_its_key_order(stream):
    originals = trajectory_events()
    assert len(originals) == 36
    for i, original in enumerate(originals):
        event = strip(original)
        assert stream.add_event(event, original['source']) == i
    for i, (original, got) in enumerate(zip(originals, stream.search_events())):
        assert got['id'] == i and got['source'] == original['source']
        assert strip(got) == strip(original)
        assert list(got) == list(original), (i, list(got), list(original))


def test_json_text_is_the_fast_path(stream):
    text = '{"observation":"run","content":"ok","extras":{"command":"ls","hidden":false}}'
    assert stream.add_event(text, 'environment') == 0
    assert stream.add_event(text.encode(), 'environment') == 1
    assert stream.add_event_json(text, evbus.EventSource.AGENT) == 2
    assert [e['source'] for e in stream.search_events()] == ['environment', 'environment', 'agent']
    texts = list(stream.search_events_json(start_id=1))
    assert len(texts) == 2 and all(isinstance(t, str) for t in texts)
    assert json.loads(texts[0]) == stream.get_event(1)
    assert json.loads(texts[0])['extras'] == {'command': 'ls', 'hidden': False}


def test_non_ascii_text_comes_back_unchanged(stream):
    event = {'action': 'message', 'args': {'content': 'héllo 世界 \U0001F600'}}
    stream.add_event(event, 'user')
    stream.add_event(json.dumps({'action': 'message', 'args': {'content': 'ü'}}, ensure_ascii=False),
                     'user')
    assert stream.get_event(0)['args']['content'] == 'héllo 世界 \U0001F600'
    assert stream.get_event(1)['args']['content'] == 'ü'


def test_events_match_openhands_event_to_dict(stream, openhands):
    from openhands.events.serialization import event_from_dict, event_to_dict

    for i, original in enumerate(trajectory_events()):
        theirs = event_to_dict(event_from_dict(strip(original)))
        stream.add_event(dict(theirs), original['source'])
        ours = stream.get_event(i)
        assert strip(ours) == strip(theirs)
        assert [k for k in ours if k not in META] == [k for k in theirs if k not in META]
        # and OpenHands reads back what evbus gives
        again = event_to_dict(event_from_dict(ours))
        assert again == ours
