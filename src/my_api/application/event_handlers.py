"""In-process event handlers: who is subscribed to which domain event types.

A handler takes a ``Published`` event and may be a plain function or a
coroutine function. It fails by raising, or, in this code base's style, by
returning a ``Failure`` (or an ``IOFailure``, or a ``FutureResult`` that ends in
one); anything else it returns counts as success. Each subscription has a name:
the relay stores the handler's progress and parkings under it, so a name must
stay the same across deployments (by default the function's module and
qualified name; pass ``name=`` to keep it when the function moves).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from my_api.kernel.events import EVENT_TYPE, Published

# Every event type, whatever it is.
EVERY_TYPE = "*"
# The domain event types (kernel/events.py): "<aggregate>.<what happened>".
_TYPE = re.compile(EVENT_TYPE)
_MAX_NAME = 200

Handler = Callable[[Published], object]


@attrs.frozen
class Subscription:
    name: str
    handler: Handler
    types: frozenset[str]

    def wants(self, event_type: str) -> bool:
        return EVERY_TYPE in self.types or event_type in self.types


class EventHandlers:
    """The registry the relay delivers to; filled before the relay starts."""

    def __init__(self) -> None:
        self._by_name: dict[str, Subscription] = {}

    def subscribe(self, event_type: str, handler: Handler, *, name: str | None = None) -> None:
        """Deliver every event of ``event_type`` (``item.updated``, or ``*`` for all) to
        ``handler``. Subscribing one handler under one name to several types is one
        subscription with one position in the feed.
        """
        if event_type != EVERY_TYPE and not _TYPE.fullmatch(event_type):
            raise ValueError(f"{event_type!r} is not an event type like 'item.updated' or '*'")
        if name is None:
            name = f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"
        if not name.isprintable() or not 0 < len(name) <= _MAX_NAME:
            raise ValueError(f"a handler name must be printable, 1 to {_MAX_NAME} characters")
        known = self._by_name.get(name)
        if known is not None and known.handler is not handler:
            raise ValueError(f"another handler is already subscribed as {name!r}; pass name=")
        types = known.types if known is not None else frozenset()
        self._by_name[name] = Subscription(name, handler, types | {event_type})

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return tuple(self._by_name.values())

    def named(self, name: str) -> Subscription | None:
        return self._by_name.get(name)
