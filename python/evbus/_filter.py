"""EventFilter: OpenHands' fields and semantics, evaluated by evbus's C++ filter.

OpenHands filters by Python class (isinstance). evbus stores no Python
objects, so include_types and exclude_types name classes: a class name as a
str ('CmdRunAction', or a base: 'Action', 'Observation', 'Event'), or a class,
mapped by its name when evbus knows it, else by its `action` or `observation`
tag (so OpenHands' own classes work as they are). Anything else is a
ValueError that lists the accepted names, where OpenHands would match nothing.
"""

import dataclasses
import datetime
import json

from evbus import _evbus
from evbus._enums import enum_value

_CLASSES = _evbus.event_classes()  # (class name, 'action'|'observation', tag)
_KNOWN_NAMES = frozenset({'Event', 'Action', 'Observation'} | {c for c, _, _ in _CLASSES})
_BY_TAG = {(kind, tag): name for name, kind, tag in _CLASSES}


def type_name(event_type):
    """The class name evbus's filter takes for `event_type` (a str or a class)."""
    if isinstance(event_type, str):
        return event_type
    if not isinstance(event_type, type):
        raise TypeError('EventFilter types must be classes or class names, got '
                        f'{type(event_type).__name__}')
    if event_type.__name__ in _KNOWN_NAMES:
        return event_type.__name__
    for kind in ('action', 'observation'):
        tag = getattr(getattr(event_type, kind, None), 'value', getattr(event_type, kind, None))
        if isinstance(tag, str) and (kind, tag) in _BY_TAG:
            return _BY_TAG[(kind, tag)]
    raise ValueError(f'EventFilter: {event_type.__qualname__} is not an event class evbus knows '
                     f'(by name or by its action/observation tag); use one of '
                     f'{", ".join(sorted(_KNOWN_NAMES))}')


def _type_names(types):
    if not types:
        return []
    if isinstance(types, (str, type)):
        types = (types,)
    return [type_name(t) for t in types]


def _date(value, field):
    if not value:
        return ''
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if not isinstance(value, str):
        raise TypeError(f'EventFilter.{field} must be an ISO 8601 str or a datetime')
    return value


@dataclasses.dataclass
class EventFilter:
    """Which events a search returns, checked in OpenHands' order: include_types,
    exclude_types, source, start_date, end_date, exclude_hidden, query."""

    exclude_hidden: bool = False
    query: str | None = None
    include_types: tuple | None = None
    exclude_types: tuple | None = None
    source: str | None = None
    start_date: str | None = None
    end_date: str | None = None

    def compile(self):
        """The C++ filter; ValueError names the field at fault (an unknown class
        or source, an unreadable date, start_date after end_date)."""
        source = enum_value(self.source, 'EventFilter.source') if self.source else ''
        return _evbus.CompiledFilter(
            bool(self.exclude_hidden), self.query or '', _type_names(self.include_types),
            _type_names(self.exclude_types), source, _date(self.start_date, 'start_date'),
            _date(self.end_date, 'end_date'))

    def include(self, event):
        """True when `event` (a dict in event_to_dict's shape, or its JSON text) passes."""
        if isinstance(event, dict):
            event = json.dumps(event)
        return self.compile().matches(event)

    def exclude(self, event):
        return not self.include(event)
