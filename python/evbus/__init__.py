"""evbus: OpenHands' EventStream on a shared-memory bus (docs/python.md).

    import evbus
    stream = evbus.EventStream('my-session', '/var/lib/openhands')
    stream.subscribe(evbus.EventStreamSubscriber.SERVER, print, 'printer')
    stream.add_event({'action': 'message', 'args': {'content': 'hi'}},
                     evbus.EventSource.USER)
    for event in stream.search_events(reverse=True, limit=10):
        ...
    stream.close()

Events go in and come out as dicts in the shape OpenHands' event_to_dict
gives (JSON text, str or bytes, is accepted too). Every process that opens the
same (sid, user_id) shares one stream: one id sequence, one secret set.

evbus.openhands (imported on its own, it needs the openhands package) is a
drop-in for OpenHands' own EventStream: OpenHands' Event objects and
LocalFileStore, and the stream's persister started on open.
"""

from evbus._enums import EventSource, EventStreamSubscriber
from evbus._evbus import BackPressuredError, BusyError, CorruptionError, EventTooLargeError
from evbus._filter import EventFilter
from evbus._stream import EventStream, destroy_stream, session_exists

__all__ = [
    'BackPressuredError',
    'BusyError',
    'CorruptionError',
    'EventFilter',
    'EventSource',
    'EventStream',
    'EventStreamSubscriber',
    'EventTooLargeError',
    'destroy_stream',
    'session_exists',
]
