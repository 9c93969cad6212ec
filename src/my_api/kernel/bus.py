"""Commands, queries and the two buses that carry them to their handlers.

A message is a frozen attrs value: a ``Command[R]`` changes state and answers
``R``; a ``Query[R]`` only reads. Handlers are registered by message type, and
for the generic messages that address a resource (those with a ``resource``
attribute) by type and resource, so ``CreateEntity`` of items and of orders
reach different handlers. Every route is checked when the service is built
(``missing``): a message nobody handles is refused at start-up, never at
request time.

Around each handler runs a chain of middleware, plain functions of the message
and the next step: logging first, then whatever later layers add (tracing,
caching). The innermost layer is the transaction itself: a command runs in
``UnitOfWork.atomically`` (its events go to the outbox in the same
transaction), a query in ``reading`` or, when it reads several times,
``snapshot``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import reduce
from typing import Any, ClassVar, Generic, TypeAlias, TypeVar

import attrs
from returns.future import FutureResult

from my_api.kernel.clock import Clock, IdFactory
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.unit_of_work import Session, UnitOfWork

R_co = TypeVar("R_co", covariant=True)
T = TypeVar("T")


class Command(Generic[R_co]):
    """A request to change state that answers ``R_co``. Subclasses are frozen attrs classes."""

    __slots__ = ()


class Query(Generic[R_co]):
    """A request to read that answers ``R_co``. Subclasses are frozen attrs classes."""

    __slots__ = ()
    # Several reads that must agree (a page and its total) share one snapshot.
    snapshot: ClassVar[bool] = False


@attrs.frozen
class Writing:
    """What a command handler works with: the unit's session, its one time, and ids."""

    session: Session
    now: datetime
    new_id: IdFactory


Route: TypeAlias = tuple[type, str | None]
CommandHandler: TypeAlias = Callable[[Any, Writing], FutureResult[Emitted[Any], AppError]]
QueryHandler: TypeAlias = Callable[[Any, Session], FutureResult[Any, AppError]]
Next: TypeAlias = Callable[[Any], FutureResult[Any, AppError]]
Middleware: TypeAlias = Callable[[Any, Next], FutureResult[Any, AppError]]


def route_of(message: object) -> Route:
    """The message's type, and the resource it addresses when it names one."""
    resource = getattr(message, "resource", None)
    return type(message), resource if isinstance(resource, str) else None


def spelled(route: Route) -> str:
    kind, resource = route
    return kind.__name__ if resource is None else f"{kind.__name__} of {resource}"


class _Bus:
    # The kind of message this bus carries; ``missing`` judges only those.
    _carries: ClassVar[type]

    def __init__(self, handlers: Mapping[Route, Any], middleware: Sequence[Middleware]) -> None:
        self._handlers = dict(handlers)
        # The chain is composed once: the first middleware is the outermost.
        innermost: Next = self._handle
        self._run: Next = reduce(_wrap, reversed(middleware), innermost)

    def missing(self, routes: Iterable[Route]) -> list[str]:
        """Of the routes of this bus's kind of message, those no handler serves, spelled
        for a start-up error.
        """
        return [
            spelled(route)
            for route in routes
            if issubclass(route[0], self._carries) and route not in self._handlers
        ]

    def _handle(self, message: Any) -> FutureResult[Any, AppError]:
        raise NotImplementedError

    def _handler(self, message: object) -> Any:
        # Every route a caller sends was checked by ``missing`` at start-up.
        return self._handlers[route_of(message)]


def _wrap(inner: Next, middleware: Middleware) -> Next:
    return lambda message: middleware(message, inner)


class CommandBus(_Bus):
    _carries = Command

    def __init__(
        self,
        handlers: Mapping[Route, CommandHandler],
        uow: UnitOfWork,
        clock: Clock,
        new_id: IdFactory,
        middleware: Sequence[Middleware] = (),
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._new_id = new_id
        super().__init__(handlers, middleware)

    def dispatch(self, command: Command[T]) -> FutureResult[T, AppError]:
        outcome: FutureResult[T, AppError] = self._run(command)
        return outcome

    def _handle(self, message: Any) -> FutureResult[Any, AppError]:
        handler: CommandHandler = self._handler(message)
        now = self._clock()
        return self._uow.atomically(
            lambda session: handler(message, Writing(session, now, self._new_id))
        )


class QueryBus(_Bus):
    _carries = Query

    def __init__(
        self,
        handlers: Mapping[Route, QueryHandler],
        uow: UnitOfWork,
        middleware: Sequence[Middleware] = (),
    ) -> None:
        self._uow = uow
        super().__init__(handlers, middleware)

    def ask(self, query: Query[T]) -> FutureResult[T, AppError]:
        outcome: FutureResult[T, AppError] = self._run(query)
        return outcome

    def _handle(self, message: Any) -> FutureResult[Any, AppError]:
        handler: QueryHandler = self._handler(message)
        run = self._uow.snapshot if message.snapshot else self._uow.reading
        return run(lambda session: handler(message, session))


@attrs.define
class Handlers:
    """The registry the buses are built from: one handler per route, registered once."""

    commands: dict[Route, CommandHandler] = attrs.field(factory=dict)
    queries: dict[Route, QueryHandler] = attrs.field(factory=dict)

    def command(
        self, kind: type[Command[Any]], handler: CommandHandler, *, resource: str | None = None
    ) -> None:
        _register(self.commands, (kind, resource), handler)

    def query(
        self, kind: type[Query[Any]], handler: QueryHandler, *, resource: str | None = None
    ) -> None:
        _register(self.queries, (kind, resource), handler)


def _register(table: dict[Route, T], route: Route, handler: T) -> None:
    if route in table:
        raise ValueError(f"a handler for {spelled(route)} is registered twice")
    table[route] = handler
