"""evbus.openhands: a drop-in for OpenHands' openhands.events.stream.EventStream.

An OpenHands process switches to evbus by changing one import:

    from openhands.events.stream import EventStream, EventStreamSubscriber
    from evbus.openhands import EventStream, EventStreamSubscriber     # instead

The class takes OpenHands' own arguments (sid, a LocalFileStore, user_id) and
OpenHands' Event objects, in and out, through OpenHands' own event_to_dict and
event_from_dict; it is an OpenHands EventStoreABC, so the deprecated
get_events, get_matching_events and filtered_events_by_source work as they do
in OpenHands. Opening it starts the stream's persister when none runs (with
OpenHands' own file layout, so OpenHands' read-only EventStore on the same
directory sees every event); close() returns once what it added is durable.
docs/python.md, "Switching an OpenHands process over", says what differs.

This module imports the installed `openhands` package (`import evbus` does
not): the class is built from OpenHands' EventStoreABC when this module is
first imported.
"""

import asyncio
import atexit
import os
import threading
import weakref

from evbus._enums import enum_value
from evbus._filter import EventFilter as _EvbusFilter
from evbus._persister import find_persister
from evbus._stream import EventStream as _EvbusStream
from evbus._stream import close_all

try:
    from openhands.events.event import Event, EventSource
    from openhands.events.event_store_abc import EventStoreABC
    from openhands.events.serialization.event import event_from_dict, event_to_dict
    from openhands.events.stream import EventStreamSubscriber, session_exists
    from openhands.io.json import dumps as _openhands_dumps
    from openhands.storage.local import LocalFileStore
except ImportError as e:  # pragma: no cover - depends on the machine
    raise ImportError(f'evbus.openhands needs the openhands package (and pydantic 2) importable: '
                      f'{e}; install OpenHands, or use evbus.EventStream, which needs no '
                      f'OpenHands') from e

__all__ = ['EventStream', 'EventStreamSubscriber', 'find_persister', 'session_exists']

_open_streams = weakref.WeakSet()


def _evbus_filter(filter):
    """OpenHands' EventFilter (or any object with its fields) as evbus's."""
    if filter is None or isinstance(filter, _EvbusFilter):
        return filter
    try:
        return _EvbusFilter(exclude_hidden=filter.exclude_hidden, query=filter.query,
                            include_types=filter.include_types,
                            exclude_types=filter.exclude_types, source=filter.source,
                            start_date=filter.start_date, end_date=filter.end_date)
    except AttributeError as e:
        raise TypeError(f'filter must be an OpenHands EventFilter (or evbus.EventFilter), got '
                        f'{type(filter).__name__}') from e


def _with_thread_loop(callback):
    """callback(event) run with an asyncio loop set on the calling thread, as
    OpenHands gives each callback's thread one."""
    local = threading.local()

    def run(data):
        if getattr(local, 'loop', None) is None:
            local.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(local.loop)
        callback(event_from_dict(data))

    return run


class EventStream(EventStoreABC):
    """OpenHands' EventStream on an evbus stream: see the module's doc.

    EventStream(sid, file_store, user_id=None, **options): file_store must be
    an OpenHands LocalFileStore (its root is the store root). Keyword options
    beyond OpenHands': exit_when_idle (s, 5.0: how long the persister this
    opens stays once the last process closed the stream), durable_timeout (s,
    30.0: how long close() waits for durability), and evbus.EventStream's.
    """

    cache_size = 25

    def __init__(self, sid, file_store, user_id=None, *, exit_when_idle=5.0,
                 durable_timeout=30.0, **options):
        if not isinstance(file_store, LocalFileStore):
            raise TypeError(f'evbus.openhands.EventStream needs an OpenHands LocalFileStore (a '
                            f'directory on this host, shared by the processes of the stream), '
                            f'got {type(file_store).__name__}; other FileStore kinds are not '
                            f'supported')
        self.sid = sid
        self.file_store = file_store
        self.user_id = user_id
        self.secrets = {}
        self._closed = False
        root = os.path.abspath(file_store.root)
        self._stream = _EvbusStream(sid, root, user_id, persist=True, openhands_layout=True,
                                    exit_when_idle=exit_when_idle,
                                    durable_timeout=durable_timeout, **options)
        _open_streams.add(self)

    @property
    def _persister(self):
        """The lease on the stream's persister (its pid, wait_durable)."""
        return self._stream.persister

    @property
    def cur_id(self):
        """The id the next event gets (OpenHands' cur_id), read from the stream."""
        return self._stream.get_latest_event_id() + 1

    # -- adding -------------------------------------------------------------
    def add_event(self, event, source):
        """Adds an OpenHands Event from `source`; sets its id, timestamp and
        source, as OpenHands does. Callbacks get a redacted copy."""
        if event.id != Event.INVALID_ID:
            raise ValueError(f'Event already has an ID:{event.id}. It was probably added back to '
                             f'the EventStream from inside a handler, triggering a loop.')
        source_value = enum_value(source, 'source')
        # Filled straight from the dict (OpenHands' own dumps only for what it
        # alone can write): the same stored event as adding dumps's text.
        event_id, timestamp = self._stream._add_dict(event_to_dict(event), source_value,
                                                     _openhands_dumps)
        event._id = event_id
        event._timestamp = timestamp
        event._source = EventSource(source_value)

    def set_secrets(self, secrets):
        """Replaces the stream's secrets (for every process of the stream)."""
        self.secrets = dict(secrets)
        self._stream.set_secrets(self.secrets)

    def update_secrets(self, secrets):
        """Merges into the stream's secrets (for every process of the stream)."""
        self.secrets.update(secrets)
        self._stream.update_secrets(secrets)

    # -- subscribing --------------------------------------------------------
    def subscribe(self, subscriber_id, callback, callback_id):
        """callback(event) for every event added from now on, on a thread of
        its own with an asyncio loop set; a duplicate pair is a ValueError."""
        if not callable(callback):
            raise TypeError(f'callback must be callable, got {type(callback).__name__}')
        self._stream.subscribe(subscriber_id, _with_thread_loop(callback), callback_id)

    def unsubscribe(self, subscriber_id, callback_id):
        self._stream.unsubscribe(subscriber_id, callback_id)

    # -- reading ------------------------------------------------------------
    def search_events(self, start_id=0, end_id=None, reverse=False, filter=None, limit=None):
        """OpenHands' search_events: a generator of Events (arguments are read
        at its first next(), as OpenHands does)."""
        converted = _evbus_filter(filter)
        for data in self._stream.search_events(start_id, end_id, reverse, converted, limit):
            yield event_from_dict(data)

    def get_event(self, id):
        """The event with this id; FileNotFoundError when there is none."""
        return event_from_dict(self._stream.get_event(id))

    def get_latest_event(self):
        return event_from_dict(self._stream.get_latest_event())

    def get_latest_event_id(self):
        return self._stream.get_latest_event_id()

    def filtered_events_by_source(self, source):
        """The events from `source` (OpenHands' EventStore method)."""
        yield from self.search_events(filter=_EvbusFilter(source=source))

    # -- closing ------------------------------------------------------------
    def close(self):
        """Returns once every event this object added is durable (TimeoutError
        after durable_timeout), then closes the stream and lets go of the
        persister, which exits once idle if no other process uses the stream.
        Idempotent."""
        if self._closed:
            return
        self._closed = True
        _open_streams.discard(self)
        self._stream.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


atexit.register(close_all, _open_streams)
