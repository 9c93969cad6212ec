"""Handler positions (``event_subscriptions``) and parkings (``parked_events``) in SQL.

Each call holds one connection; a write runs in its own short transaction on
the writing connection. Every statement is atomic on its own, which is all the
compare-and-set needs: ``UPDATE ... WHERE after_sequence = expected``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from returns.future import FutureResult

from my_api.adapters.sql.connections import Connections, on_connection
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.event_feed import PUBLISHED_COLUMNS, published_from
from my_api.adapters.sql.executor import Row, SqlExecutor
from my_api.kernel.errors import AppError
from my_api.kernel.events import Published
from my_api.kernel.handler_progress import MAX_ERROR_LENGTH, Parked
from my_api.kernel.table import ColumnType

T = TypeVar("T")


class SqlHandlerProgress:
    def __init__(self, connections: Connections, dialect: Dialect) -> None:
        self._connections = connections
        self._dialect = dialect
        p = dialect.param
        # Fixed text: identifiers are ours, values are bound.
        self._position = f"SELECT after_sequence FROM event_subscriptions WHERE handler = {p(1)}"  # noqa: S608
        # Free, lapsed or already the owner's: the row is (re)leased and comes back.
        self._lease = (
            "INSERT INTO event_subscriptions (handler, after_sequence, owner, lease_until) "  # noqa: S608
            f"VALUES ({p(1)}, 0, {p(2)}, {p(4)}) ON CONFLICT (handler) DO UPDATE "
            "SET owner = excluded.owner, lease_until = excluded.lease_until "
            "WHERE event_subscriptions.owner IS NULL OR event_subscriptions.owner = excluded.owner "
            f"OR event_subscriptions.lease_until < {p(3)} RETURNING handler"
        )
        self._release = (
            "UPDATE event_subscriptions SET owner = NULL, lease_until = NULL "  # noqa: S608
            f"WHERE handler = {p(1)} AND owner = {p(2)}"
        )
        self._advance = (
            f"UPDATE event_subscriptions SET after_sequence = {p(3)} "  # noqa: S608
            f"WHERE handler = {p(1)} AND after_sequence = {p(2)} RETURNING handler"
        )
        # A handler's first move, from 0: its row does not exist yet.
        self._first = (
            "INSERT INTO event_subscriptions (handler, after_sequence) "  # noqa: S608
            f"VALUES ({p(1)}, {p(2)}) ON CONFLICT (handler) DO NOTHING RETURNING handler"
        )
        self._park = (
            "INSERT INTO parked_events (handler, event_id, error, parked_at) "  # noqa: S608
            f"VALUES ({p(1)}, {p(2)}, {p(3)}, {p(4)}) ON CONFLICT (handler, event_id) "
            "DO UPDATE SET error = excluded.error, parked_at = excluded.parked_at"
        )
        parked = (
            f"SELECT handler, error, parked_at, {PUBLISHED_COLUMNS} "  # noqa: S608 - fixed names
            "FROM parked_events JOIN events ON events.id = parked_events.event_id"
        )
        self._all_parked = f"{parked} ORDER BY sequence, handler"
        self._parked_event = f"{parked} WHERE event_id = {p(1)} ORDER BY handler"
        self._unpark = (
            f"DELETE FROM parked_events WHERE handler = {p(1)} AND event_id = {p(2)} "  # noqa: S608
            "RETURNING handler"
        )

    def lease(
        self, handler: str, owner: str, now: datetime, until: datetime
    ) -> FutureResult[bool, AppError]:
        time = self._dialect.encoders[ColumnType.TIMESTAMP]
        arguments = (handler, owner, time(now), time(until))

        async def upsert(statements: SqlExecutor) -> bool:
            return await statements.fetch_one(self._lease, arguments) is not None

        return self._held(upsert, write=True)

    def release(self, handler: str, owner: str) -> FutureResult[None, AppError]:
        async def update(statements: SqlExecutor) -> None:
            await statements.execute(self._release, (handler, owner))

        return self._held(update, write=True)

    def position(self, handler: str) -> FutureResult[int, AppError]:
        async def select(statements: SqlExecutor) -> int:
            row = await statements.fetch_one(self._position, (handler,))
            return 0 if row is None else int(row[0])

        return self._held(select, write=False)

    def advance(self, handler: str, expected: int, to: int) -> FutureResult[bool, AppError]:
        async def update(statements: SqlExecutor) -> bool:
            if await statements.fetch_one(self._advance, (handler, expected, to)) is not None:
                return True
            if expected != 0:
                return False
            return await statements.fetch_one(self._first, (handler, to)) is not None

        return self._held(update, write=True)

    def park(
        self, handler: str, published: Published, error: str, at: datetime
    ) -> FutureResult[None, AppError]:
        args = (
            handler,
            self._dialect.encode(ColumnType.UUID, published.event.id),
            error[:MAX_ERROR_LENGTH],
            self._dialect.encode(ColumnType.TIMESTAMP, at),
        )

        async def insert(statements: SqlExecutor) -> None:
            await statements.execute(self._park, args)

        return self._held(insert, write=True)

    def parked(self) -> FutureResult[Sequence[Parked], AppError]:
        async def select(statements: SqlExecutor) -> Sequence[Parked]:
            return [self._parked(row) for row in await statements.fetch_all(self._all_parked)]

        return self._held(select, write=False)

    def parked_event(self, event_id: UUID) -> FutureResult[Sequence[Parked], AppError]:
        args = (self._dialect.encode(ColumnType.UUID, event_id),)

        async def select(statements: SqlExecutor) -> Sequence[Parked]:
            rows = await statements.fetch_all(self._parked_event, args)
            return [self._parked(row) for row in rows]

        return self._held(select, write=False)

    def unpark(self, handler: str, event_id: UUID) -> FutureResult[bool, AppError]:
        args = (handler, self._dialect.encode(ColumnType.UUID, event_id))

        async def delete(statements: SqlExecutor) -> bool:
            return await statements.fetch_one(self._unpark, args) is not None

        return self._held(delete, write=True)

    def _parked(self, row: Row) -> Parked:
        handler, error, parked_at, *published = row
        at = self._dialect.decoders[ColumnType.TIMESTAMP](parked_at)
        return Parked(handler, published_from(published, self._dialect), error, at)

    def _held(
        self, work: Callable[[SqlExecutor], Awaitable[T]], *, write: bool
    ) -> FutureResult[T, AppError]:
        return on_connection(self._connections, work, write=write)
