"""OpenHands' EventSource and EventStreamSubscriber, with OpenHands' values.

Both are str enums, so a member compares equal to its string and either may be
passed wherever evbus takes a source or a subscriber id (OpenHands' own enum
members too: their value is used).
"""

from enum import Enum


class EventSource(str, Enum):
    AGENT = 'agent'
    USER = 'user'
    ENVIRONMENT = 'environment'


class EventStreamSubscriber(str, Enum):
    AGENT_CONTROLLER = 'agent_controller'
    RESOLVER = 'openhands_resolver'
    SERVER = 'server'
    RUNTIME = 'runtime'
    MEMORY = 'memory'
    MAIN = 'main'
    TEST = 'test'


def enum_value(value, what):
    """The string behind an enum member or a plain str; TypeError otherwise."""
    if type(value) is str:
        return value  # the common case, without getattr's AttributeError
    value = getattr(value, 'value', value)
    if not isinstance(value, str):
        raise TypeError(f'{what} must be a str or a str enum member, got {type(value).__name__}')
    return value
