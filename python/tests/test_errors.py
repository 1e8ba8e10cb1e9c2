"""Every Status reaches Python as the documented exception, with the C++ message."""

import pytest

import evbus


def test_bad_json_is_a_value_error_naming_the_offset(stream):
    with pytest.raises(ValueError, match='offset'):
        stream.add_event('{"action": "message", "args": [1]}', 'user')
    with pytest.raises(ValueError):
        stream.add_event('not json', 'user')
    assert stream.get_latest_event_id() == -1  # nothing was added


def test_unknown_type_and_source_are_value_errors(stream):
    with pytest.raises(ValueError, match='no_such_tag'):
        stream.add_event({'action': 'no_such_tag'}, 'user')
    with pytest.raises(ValueError, match='Agent'):
        stream.add_event({'action': 'message'}, 'Agent')
    with pytest.raises(ValueError):
        stream.add_event({'neither': 1}, 'user')


def test_an_event_that_has_an_id_is_refused_as_in_openhands(stream):
    event = {'action': 'message', 'args': {'content': 'x'}}
    stream.add_event(event, 'user')
    with pytest.raises(ValueError, match='already has an ID'):
        stream.add_event(event, 'user')
    assert stream.get_latest_event_id() == 0


def test_wrong_argument_types_are_type_errors(stream):
    with pytest.raises(TypeError, match='event dict'):
        stream.add_event(42, 'user')
    with pytest.raises(TypeError):
        stream.add_event({'action': 'message'}, 3)
    with pytest.raises(ValueError, match='JSON-serializable'):
        stream.add_event({'action': 'message', 'args': {'x': object()}}, 'user')
    with pytest.raises(TypeError):
        stream.set_secrets({'k': 1})


def test_missing_events_and_streams_are_file_not_found(stream, sid, tmp_path):
    with pytest.raises(FileNotFoundError):
        stream.get_event(5)
    with pytest.raises(FileNotFoundError):
        stream.get_latest_event()
    with pytest.raises(FileNotFoundError):
        evbus.EventStream(sid + 'x', tmp_path, create_if_missing=False)
    with pytest.raises(FileNotFoundError):
        evbus.destroy_stream(sid + 'x')


def test_a_closed_stream_raises_runtime_error(stream):
    stream.add_event({'action': 'message'}, 'user')
    stream.close()
    stream.close()  # idempotent
    with pytest.raises(RuntimeError, match='closed'):
        stream.add_event({'action': 'message'}, 'user')
    with pytest.raises(RuntimeError):
        list(stream.search_events(end_id=0))
    assert stream.get_latest_event_id() == -1


def test_options_unknown_mistyped_or_out_of_range(sid, tmp_path):
    with pytest.raises(TypeError, match="unexpected keyword argument 'capacityy'"):
        evbus.EventStream(sid, tmp_path, capacityy=1)
    with pytest.raises(TypeError, match='expects an int'):
        evbus.EventStream(sid, tmp_path, capacity='big')
    with pytest.raises(ValueError, match="'blocking'"):
        evbus.EventStream(sid, tmp_path, wait_strategy='fast')
    with pytest.raises(ValueError):
        evbus.EventStream(sid, tmp_path, close_timeout=-1)
    with pytest.raises(ValueError):
        evbus.EventStream(sid, tmp_path, capacity=1000)  # not a power of two
    with pytest.raises(TypeError, match='prefault_ring expects True or False'):
        evbus.EventStream(sid, tmp_path, prefault_ring=1)


def test_prefault_ring_off_and_on_add_the_same_events(sid, tmp_path):
    for on in (False, True):
        stream = evbus.EventStream(f'{sid}-{on}', tmp_path, prefault_ring=on)
        try:
            ids = [stream.add_event({'action': 'message', 'args': {'content': str(i)}}, 'user')
                   for i in range(50)]
            assert ids == list(range(50))
            assert stream.get_event(49)['args']['content'] == '49'
        finally:
            stream.close()
            evbus.destroy_stream(f'{sid}-{on}')


def test_an_event_larger_than_the_bound(open_stream):
    # Above max_event_size an event goes to a body file (docs/shm_layout.md,
    # section 13); only one above 256 MiB less 64 KiB is refused.
    stream = open_stream(max_event_size=4096)
    assert stream.add_event({'action': 'message', 'args': {'content': 'x' * 10000}}, 'user') == 0
    with pytest.raises(evbus.EventTooLargeError) as info:
        stream.add_event({'action': 'message', 'args': {'content': 'x' * (256 << 20)}}, 'user')
    assert isinstance(info.value, ValueError)
    assert stream.get_latest_event_id() == 0


def test_filter_errors_name_the_field(stream):
    with pytest.raises(ValueError, match='NoSuchAction'):
        list(stream.search_events(filter=evbus.EventFilter(include_types=('NoSuchAction',))))
    with pytest.raises(ValueError):
        list(stream.search_events(filter=evbus.EventFilter(source='Agent')))
    with pytest.raises(ValueError):
        evbus.EventFilter(start_date='2025-02-01', end_date='2025-01-01').compile()
    with pytest.raises(TypeError):
        list(stream.search_events(filter={'source': 'agent'}))


def test_session_exists(stream, sid, tmp_path):
    assert evbus.session_exists(sid, tmp_path)
    assert evbus.EventStream.session_exists(sid, str(tmp_path))
    assert not evbus.session_exists(sid + 'x', tmp_path)
