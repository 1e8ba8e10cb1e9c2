"""EventStream: OpenHands' EventStream API over an evbus stream.

Threads and the GIL: callbacks run on evbus's threads and hold the GIL only
while Python code runs; add_event, searches, close() and unsubscribe() release
it while the C++ side works or waits. A stream with subscriptions stays alive
until close() (its callbacks refer to it); an atexit hook closes every stream
still open, so the interpreter exits cleanly.
"""

import atexit
import itertools
import json
import logging
import os
import threading
import weakref

from evbus import _evbus
from evbus._enums import EventStreamSubscriber, enum_value
from evbus._filter import EventFilter
from evbus._persister import PersisterLease

_log = logging.getLogger('evbus')
_open_streams = weakref.WeakSet()
_in_callback = threading.local()  # .stream: the stream whose callback runs here
_watch_ids = itertools.count()
_BATCH = 256  # events per C++ search call under the search generators
_CLOSED = object()  # what close() hands each watch() iterator: the end


def session_exists(sid, root, user_id=None):
    """OpenHands' session_exists: the conversation directory exists under `root`."""
    return _evbus.session_exists(sid, os.fspath(root), user_id or '')


def destroy_stream(sid, user_id=None):
    """Removes the stream's shared-memory segment and its secrets file (as
    `evbus destroy`); the store on disk stays. FileNotFoundError when there is
    no segment. Open streams keep their mapping until they close."""
    _evbus.destroy_stream(sid, user_id or '')


def _dumps(event):
    try:
        return json.dumps(event, separators=(',', ':'))
    except (TypeError, ValueError) as e:
        raise ValueError(f'event is not JSON-serializable: {e}') from e


class EventStream:
    """One conversation's stream, shared by every process that opens it.

    EventStream(sid, root, user_id=None, **options): attaches to the stream's
    segment or creates it; `root` is OpenHands' file-store root (the store is
    <root>/sessions/<sid>/ or <root>/users/<uid>/conversations/<sid>/).
    options: see docs/python.md (TypeError for an unknown one).
    """

    def __init__(self, sid, root, user_id=None, *, persist=False, openhands_layout=False,
                 exit_when_idle=5.0, durable_timeout=30.0, **options):
        self.sid = sid
        self.user_id = user_id
        self.root = os.fspath(root)
        self._handle = _evbus.StreamHandle(sid, self.root, user_id or '', options)
        self.persister = None  # a PersisterLease with persist=True
        if persist:
            try:
                self.persister = PersisterLease(sid, os.path.abspath(self.root), user_id,
                                                openhands_layout, exit_when_idle,
                                                durable_timeout)
            except BaseException:
                self._handle.close()
                raise
        self._closer = None
        self._closer_lock = threading.Lock()
        self._watchers = set()  # (loop, queue) of each running watch()
        _open_streams.add(self)

    # -- adding -------------------------------------------------------------
    def add_event(self, event, source):
        """Adds `event` (a dict in event_to_dict's shape, or its JSON text as
        str or bytes) from `source`; returns its id. A dict gets its 'id',
        'timestamp' and 'source' set, as OpenHands sets them on an Event, so
        adding it again is a ValueError. Secrets are redacted in the copy that
        is published, never in the caller's dict."""
        source = enum_value(source, 'source')
        if isinstance(event, dict):
            # One C++ call fills the Event, adds it and sets the three keys;
            # None: the dict needs the general way below.
            event_id = self._handle.add_dict_in_place(event, source)
            if event_id is not None:
                if self.persister is not None:
                    self.persister.added(event_id)
                return event_id
            event_id, timestamp = self._add_dict(event, source)
            event['id'] = event_id
            event['timestamp'] = timestamp
            event['source'] = source
            return event_id
        if isinstance(event, (str, bytes)):
            return self._add_json(event, source)[0]
        raise TypeError('add_event expects an event dict (the shape of OpenHands\' event_to_dict) '
                        f'or its JSON text (str or bytes), got {type(event).__name__}')

    def add_event_json(self, text, source):
        """The fast path: JSON text (str or bytes) in; returns the id."""
        return self._add_json(text, enum_value(source, 'source'))[0]

    def _add_dict(self, event, source, dumps=None):
        """(id, timestamp) of an event dict added from `source` (a string): the
        Event is filled from the dict in C++ (docs/python.md, "add_event with
        a dict"); where only `dumps` (json.dumps by default) can write the
        dict, its text is added. The dict is left as it is."""
        added = self._handle.add_dict(event, source)
        if added is None:
            added = self._handle.add_json((dumps or _dumps)(event), source)
        if self.persister is not None:
            self.persister.added(added[0])
        return added

    def _add_json(self, text, source):
        """(id, timestamp) of JSON text added from `source` (a string)."""
        added = self._handle.add_json(text, source)
        if self.persister is not None:
            self.persister.added(added[0])
        return added

    def set_secrets(self, secrets):
        """Replaces the stream's secret set, for every process of the stream."""
        self._handle.set_secrets(dict(secrets), True)

    def update_secrets(self, secrets):
        """Merges into the stream's secret set, for every process of the stream."""
        self._handle.set_secrets(dict(secrets), False)

    def set_secret_patterns(self, builtins=None, custom=None, placeholder=None):
        """Replaces the stream's secret patterns, for every process of the stream.

        builtins: {name: on} (a built-in not named stays on); custom: {name:
        regex}; placeholder: e.g. '<secret_hidden:{rule}>' (None: that default).
        A bad pattern raises ValueError naming it; the patterns in force stay.
        """
        self._handle.set_secret_patterns(dict(builtins or {}), dict(custom or {}),
                                         placeholder or '', True)

    def update_secret_patterns(self, builtins=None, custom=None, placeholder=None):
        """Merges into the stream's secret patterns (custom: '' removes that one)."""
        self._handle.set_secret_patterns(dict(builtins or {}), dict(custom or {}),
                                         placeholder or '', False)

    # -- subscribing --------------------------------------------------------
    def subscribe(self, subscriber_id, callback, callback_id, start_id=None):
        """Calls `callback(event_dict)` on an evbus thread for every event added
        from now on (or, with start_id, from that id on: history, then live,
        no gap, no duplicate). A duplicate (subscriber_id, callback_id) is a
        ValueError. An exception from the callback is logged and counted; the
        callback keeps receiving."""
        if not callable(callback):
            raise TypeError(f'callback must be callable, got {type(callback).__name__}')
        subscriber = enum_value(subscriber_id, 'subscriber_id')
        local = _in_callback

        def deliver(event):  # the extension gives json.loads's dict of the event's JSON
            local.stream = self
            try:
                callback(event)
            finally:
                local.stream = None

        self._handle.subscribe(subscriber, deliver, callback_id, start_id)

    def unsubscribe(self, subscriber_id, callback_id):
        """Stops the callback after its running invocation; unknown: a logged no-op."""
        self._handle.unsubscribe(enum_value(subscriber_id, 'subscriber_id'), callback_id)

    async def watch(self, start_id=0, subscriber_id=EventStreamSubscriber.MAIN):
        """`async for event in stream.watch(start_id)`: the events from start_id
        (stored history, then live ones) without gap or duplicate, handed from
        evbus's thread to the running loop; never blocks the loop. The
        subscription ends when the iterator is closed; the iterator ends when
        the stream is closed (after the events delivered until then)."""
        import asyncio

        loop = asyncio.get_running_loop()
        queue = asyncio.Queue()
        callback_id = f'watch.{os.getpid()}.{next(_watch_ids)}'
        self.subscribe(subscriber_id, lambda e: loop.call_soon_threadsafe(queue.put_nowait, e),
                       callback_id, start_id=max(0, start_id))
        watcher = (loop, queue)
        self._watchers.add(watcher)
        try:
            while True:
                event = await queue.get()
                if event is _CLOSED:
                    return
                yield event
        finally:
            self._watchers.discard(watcher)
            self.unsubscribe(subscriber_id, callback_id)

    # -- reading ------------------------------------------------------------
    def search_events(self, start_id=0, end_id=None, reverse=False, filter=None, limit=None):
        """OpenHands' search_events: a generator of event dicts, start_id and
        end_id inclusive (end_id None: the latest at the first next()),
        reverse keeps start_id as the lower bound, limit None or 0 is no
        limit, a negative limit stops after the first match."""
        compiled = self._compile(filter)
        return self._search(start_id, end_id, reverse, compiled, limit, as_json=False)

    def search_events_json(self, start_id=0, end_id=None, reverse=False, filter=None, limit=None):
        """search_events yielding each event's JSON text (str) instead of a dict."""
        compiled = self._compile(filter)
        return self._search(start_id, end_id, reverse, compiled, limit, as_json=True)

    def get_event(self, id):
        """The event with this id; FileNotFoundError when there is none (and why)."""
        return json.loads(self._handle.get_event_json(id))

    def get_latest_event(self):
        """The newest event; FileNotFoundError when the stream is empty."""
        return json.loads(self._handle.get_latest_event_json())

    def get_latest_event_id(self):
        """The newest id, -1 when the stream is empty (and after close())."""
        return self._handle.get_latest_event_id()

    @property
    def metrics_path(self):
        """This process's metrics file of the stream (`evbus inspect` reads it)."""
        return self._handle.metrics_path

    def snapshot(self):
        """This process's metrics of the stream (callbacks: delivered, failures...)."""
        return json.loads(self._handle.snapshot_json())

    # -- closing ------------------------------------------------------------
    def close(self):
        """Delivers what was accepted (within close_timeout), stops every
        callback and detaches. Idempotent. From inside one of this stream's
        callbacks it returns at once and the stream closes on a thread of its
        own once that callback returns (closing there would wait for itself)."""
        if getattr(_in_callback, 'stream', None) is self:
            with self._closer_lock:
                if self._closer is None:
                    self._closer = threading.Thread(target=self._close_from_callback,
                                                    name='evbus-close', daemon=False)
                    self._closer.start()
            return
        persister, self.persister = self.persister, None
        try:
            if persister is not None:
                persister.close_durable()
        finally:
            try:
                self._handle.close()
            finally:
                if persister is not None:
                    persister.release()
        _open_streams.discard(self)
        for loop, queue in list(self._watchers):
            try:
                loop.call_soon_threadsafe(queue.put_nowait, _CLOSED)
            except RuntimeError:  # that loop is closed: nobody waits
                pass

    def _close_from_callback(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - a thread has nobody to raise to
            _log.exception('closing stream %r after a close() from its callback failed', self.sid)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- helpers ------------------------------------------------------------
    @staticmethod
    def _compile(filter):
        if filter is None:
            return None
        if not isinstance(filter, EventFilter):
            raise TypeError(f'filter must be an evbus.EventFilter, got {type(filter).__name__}')
        return filter.compile()

    def _search(self, start_id, end_id, reverse, compiled, limit, as_json):
        if limit is not None and limit < 0:
            limit = 1  # OpenHands: a negative limit stops after the first match
        remaining = limit or None
        if end_id is None:
            end_id = self._handle.get_latest_event_id()
        low, high = max(0, start_id), end_id
        while low <= high:
            count = _BATCH if remaining is None else min(_BATCH, remaining)
            if as_json:
                batch = self._handle.search(low, high, reverse, compiled, count, False)
                yield from (text for _, text in batch)
                last = batch[-1][0] if batch else None
            else:
                batch = json.loads(self._handle.search(low, high, reverse, compiled, count, True))
                yield from batch
                last = batch[-1]['id'] if batch else None
            if len(batch) < count:
                return
            if remaining is not None:
                remaining -= len(batch)
                if remaining == 0:
                    return
            if reverse:
                high = last - 1
            else:
                low = last + 1


EventStream.session_exists = staticmethod(session_exists)


def _forget_streams_after_fork():
    # The child has none of the streams' threads; their slots and metrics
    # files are the parent's. Forget them (never close them here).
    for stream in list(_open_streams):
        stream._handle.forget_after_fork()
    _open_streams.clear()


os.register_at_fork(after_in_child=_forget_streams_after_fork)


def close_all(streams):
    """Closes every stream of `streams` (at interpreter exit), logging failures."""
    for stream in list(streams):
        try:
            stream.close()
        except Exception:  # noqa: BLE001 - keep closing the others
            _log.exception('closing stream %r at exit failed', stream.sid)


atexit.register(close_all, _open_streams)
