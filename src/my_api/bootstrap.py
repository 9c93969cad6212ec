"""The composition root: the one place that decides which adapter serves which port.

Built from settings; tests replace bindings on a clone of it
(``container.clone()[Clock] = ...``; lagom refuses to redefine a binding in
place) before the app is created. Use cases never see the container: the app
resolves what each router needs once, at start-up, not per request.
"""

from __future__ import annotations

import secrets
from typing import TypeVar

import databases
from lagom import Container
from lagom.definitions import PlainInstance

from my_api.adapters.sql.database import create_database, dialect_of
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.catalog import RESOURCES
from my_api.kernel.clock import Clock, IdFactory, new_id, utc_now
from my_api.kernel.cursor import CursorCodec
from my_api.kernel.unit_of_work import UnitOfWork
from my_api.settings import Settings

T = TypeVar("T")
U = TypeVar("U", bound=SqlUnitOfWork)


def _itself(value: T) -> PlainInstance[T]:
    """Bind a function as the value; lagom would otherwise call it as a factory."""
    return PlainInstance(value)  # type: ignore[no-untyped-call]


def build_container(settings: Settings) -> Container:
    container = Container()
    container[Settings] = settings
    container[Dialect] = _itself(dialect_of(settings))
    container[databases.Database] = create_database(settings)
    container[Clock] = _itself(utc_now)
    container[IdFactory] = _itself(new_id)
    container[CursorCodec] = CursorCodec(
        settings.cursor_secret.encode() if settings.cursor_secret else secrets.token_bytes(32)
    )
    # A one-argument factory: lagom refuses sql_unit_of_work itself (arity 2).
    container[UnitOfWork] = lambda c: sql_unit_of_work(c)  # noqa: PLW0108
    return container


def sql_unit_of_work(container: Container, kind: type[U] = SqlUnitOfWork) -> U:  # type: ignore[assignment]
    """The SQL unit of work over every declared resource, on the container's database.

    ``kind`` lets a benchmark fixture run a subclass that acquires connections its
    own way (bench/service_without_databases.py, bench/stub_database.py).
    """
    return kind(
        container[databases.Database],
        container[Dialect],
        [resource.table for resource in RESOURCES],
        acquire_timeout=container[Settings].db_acquire_timeout_seconds,
    )
