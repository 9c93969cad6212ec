"""The feed in the ``events`` table (sql/migrations/*/0004_events.sql): relay passes and reads.

A pass is one write transaction, statement by statement:

1. ``UPDATE event_feed ... RETURNING last_sequence`` takes the single row's
   lock first, so relays on one database run one at a time, each until its
   commit. On SQLite the writer connection and ``BEGIN IMMEDIATE`` serialise
   them anyway.
2. One ``UPDATE events ... FROM`` numbers the oldest committed rows without a
   sequence ``last + 1 .. last + n`` in writing order (``position``). On
   PostgreSQL this statement's snapshot is taken after the lock was granted, so
   it sees every row the previous pass numbered.
3. ``event_feed`` records ``last + n``; COMMIT.

Every pass numbers above everything committed before it, and the next pass
waits for its commit: sequences become visible in increasing order, never one
after a higher one. A pass that fails or is cancelled rolls back and numbers
nothing; the next pass numbers those rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import orjson
from returns.curry import partial
from returns.future import FutureResult, future_safe

from my_api.adapters.sql.connections import Connections, on_connection
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.errors import DATABASE_ERRORS, database_failure
from my_api.adapters.sql.executor import Row, SqlExecutor
from my_api.adapters.sql.outbox import EVENT_COLUMNS
from my_api.kernel.errors import AppError
from my_api.kernel.events import DomainEvent, Published
from my_api.kernel.table import ColumnType

log = logging.getLogger(__name__)

# Every column of a published event, in the order ``published_from`` reads them.
PUBLISHED_COLUMNS = "sequence, " + EVENT_COLUMNS


def published_from(row: Row, dialect: Dialect) -> Published:
    """A row of ``PUBLISHED_COLUMNS`` as the event it stores."""
    sequence, event_id, event_type, collection, aggregate_id, version, time, data = row
    uuid = dialect.decoders[ColumnType.UUID]
    timestamp = dialect.decoders[ColumnType.TIMESTAMP]
    event = DomainEvent(
        id=uuid(event_id),
        type=event_type,
        collection=collection,
        aggregate_id=uuid(aggregate_id),
        aggregate_version=version,
        time=timestamp(time),
        data=orjson.loads(data),
    )
    return Published(sequence, event)


class SqlEventFeed:
    def __init__(self, connections: Connections, dialect: Dialect) -> None:
        self._connections = connections
        self._dialect = dialect
        p = dialect.param
        # Fixed text: identifiers are ours, values are bound.
        self._any_pending = "SELECT 1 FROM events WHERE sequence IS NULL LIMIT 1"
        self._lock = (
            "UPDATE event_feed SET last_sequence = last_sequence + 0 "
            "WHERE id = 1 RETURNING last_sequence"
        )
        self._number = (
            f"UPDATE events SET sequence = {p(1)} + numbered.n "  # noqa: S608 - fixed names
            "FROM (SELECT position, row_number() OVER (ORDER BY position) AS n "
            f"FROM events WHERE sequence IS NULL ORDER BY position LIMIT {p(2)}) AS numbered "
            f"WHERE events.position = numbered.position RETURNING {PUBLISHED_COLUMNS}"
        )
        self._record = f"UPDATE event_feed SET last_sequence = {p(1)} WHERE id = 1"  # noqa: S608
        after = f"SELECT {PUBLISHED_COLUMNS} FROM events WHERE sequence > {p(1)}"  # noqa: S608
        self._read = f"{after} ORDER BY sequence LIMIT {p(2)}"
        self._read_type = f"{after} AND type = {p(3)} ORDER BY sequence LIMIT {p(2)}"

    def publish_pending(self, limit: int) -> FutureResult[Sequence[Published], AppError]:
        def pass_if_pending(pending: Row | None) -> FutureResult[Sequence[Published], AppError]:
            if pending is None:
                return FutureResult.from_value([])
            numbered = partial(self._numbered, limit=limit)
            return on_connection(self._connections, numbered, write=True)

        # First on a reading connection, without the lock: an idle relay polling the table
        # writes nothing (an UPDATE, even of nothing, costs PostgreSQL a row version).
        return on_connection(self._connections, self._first_pending, write=False).bind(
            pass_if_pending
        )

    def read(
        self, after: int, limit: int, event_type: str | None = None
    ) -> FutureResult[Sequence[Published], AppError]:
        return self._selected(after, limit, event_type).alt(database_failure)

    async def _first_pending(self, statements: SqlExecutor) -> Row | None:
        return await statements.fetch_one(self._any_pending)

    async def _numbered(self, statements: SqlExecutor, *, limit: int) -> Sequence[Published]:
        locked = await statements.fetch_one(self._lock)
        if locked is None:  # pragma: no cover - the migration inserts the row
            raise LookupError("event_feed has no row: is migration 0004 applied?")
        last: int = locked[0]
        rows = await statements.fetch_all(self._number, (last, limit))
        if rows:
            await statements.execute(self._record, (last + len(rows),))
        published = [published_from(row, self._dialect) for row in rows]
        # RETURNING gives no order.
        return sorted(published, key=lambda one: one.sequence)

    @future_safe(DATABASE_ERRORS)
    async def _selected(
        self, after: int, limit: int, event_type: str | None
    ) -> Sequence[Published]:
        args: tuple[object, ...] = (after, limit)
        sql = self._read
        if event_type is not None:
            sql, args = self._read_type, (*args, event_type)
        async with self._connections.hold() as connection:
            rows: list[Any] = await connection.statements.fetch_all(sql, args)
        return [published_from(row, self._dialect) for row in rows]
