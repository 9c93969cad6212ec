"""The outbox's write side: a unit of work's events, inserted in its own transaction.

The table is ``events`` (sql/migrations/*/0004_events.sql). Rows are written
without a ``sequence``; the relay gives them their feed position after commit
(``adapters/sql/event_feed.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from returns.future import FutureResult

from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.errors import execute
from my_api.adapters.sql.executor import SqlExecutor
from my_api.kernel.errors import AppError
from my_api.kernel.events import DomainEvent
from my_api.kernel.table import ColumnType

EVENT_COLUMNS = "id, type, collection, aggregate_id, aggregate_version, time, data"


class SqlOutbox:
    """Inserts events: one multi-row statement per unit of work. Its text is built once
    per row count (a write emits one to a few events) and kept, like the repositories'
    statements, rather than on every write.
    """

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._inserts: dict[int, str] = {}

    def append(
        self, statements: SqlExecutor, events: Sequence[DomainEvent]
    ) -> FutureResult[None, AppError]:
        if not events:
            return FutureResult.from_value(None)
        rows = len(events)
        insert = self._inserts.get(rows)
        if insert is None:
            insert = self._inserts[rows] = self._insert(rows)
        return execute(statements, insert, self._arguments(events))

    def _insert(self, rows: int) -> str:
        p = self._dialect.param
        width = len(EVENT_COLUMNS.split(", "))
        values = ", ".join(
            "(" + ", ".join(p(row * width + column + 1) for column in range(width)) + ")"
            for row in range(rows)
        )
        return f"INSERT INTO events ({EVENT_COLUMNS}) VALUES {values}"  # noqa: S608 - fixed names

    def _arguments(self, events: Sequence[DomainEvent]) -> list[Any]:
        encode = self._dialect.encode
        arguments: list[Any] = []
        for event in events:
            arguments += (
                encode(ColumnType.UUID, event.id),
                event.type,
                event.collection,
                encode(ColumnType.UUID, event.aggregate_id),
                event.aggregate_version,
                encode(ColumnType.TIMESTAMP, event.time),
                orjson.dumps(dict(event.data)).decode(),
            )
        return arguments
