"""API keys in the ``api_keys`` table (sql/migrations/*/0003_api_keys.sql).

Each call holds one connection; a write runs in its own transaction. Errors
become values as everywhere else in this adapter (``errors.database_failure``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TypeVar

from returns.future import FutureResult

from my_api.adapters.sql.connections import Connections, on_connection
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.executor import Row, SqlExecutor
from my_api.kernel.api_keys import ApiKey
from my_api.kernel.errors import AppError
from my_api.kernel.table import ColumnType

T = TypeVar("T")
_COLUMNS = "id, name, scopes, secret_sha256, created_at, revoked_at"


class SqlApiKeys:
    def __init__(self, connections: Connections, dialect: Dialect) -> None:
        self._connections = connections
        self._dialect = dialect
        # Fixed text: only the dialect's placeholders are filled in; values are bound.
        p = dialect.param
        self._insert = (
            f"INSERT INTO api_keys ({_COLUMNS}) "  # noqa: S608 - fixed identifiers
            f"VALUES ({p(1)}, {p(2)}, {p(3)}, {p(4)}, {p(5)}, {p(6)})"
        )
        self._find = f"SELECT {_COLUMNS} FROM api_keys WHERE id = {p(1)}"  # noqa: S608 - as above
        self._all = f"SELECT {_COLUMNS} FROM api_keys ORDER BY created_at, id"  # noqa: S608 - idem
        self._revoke = (
            f"UPDATE api_keys SET revoked_at = {p(2)} "  # noqa: S608 - fixed identifiers
            f"WHERE id = {p(1)} AND revoked_at IS NULL RETURNING {_COLUMNS}"
        )

    def add(self, key: ApiKey) -> FutureResult[None, AppError]:
        args = (
            key.id,
            key.name,
            " ".join(sorted(key.scopes)),
            key.secret_sha256,
            self._time(key.created_at),
            self._time(key.revoked_at),
        )

        async def insert(statements: SqlExecutor) -> None:
            await statements.execute(self._insert, args)

        return self._held(insert, write=True)

    def find(self, key_id: str) -> FutureResult[ApiKey | None, AppError]:
        async def select(statements: SqlExecutor) -> ApiKey | None:
            row = await statements.fetch_one(self._find, (key_id,))
            return None if row is None else self._key(row)

        return self._held(select, write=False)

    def all(self) -> FutureResult[tuple[ApiKey, ...], AppError]:
        async def select(statements: SqlExecutor) -> tuple[ApiKey, ...]:
            return tuple(self._key(row) for row in await statements.fetch_all(self._all))

        return self._held(select, write=False)

    def revoke(self, key_id: str, at: datetime) -> FutureResult[ApiKey | None, AppError]:
        async def update(statements: SqlExecutor) -> ApiKey | None:
            row = await statements.fetch_one(self._revoke, (key_id, self._time(at)))
            return None if row is None else self._key(row)

        return self._held(update, write=True)

    def _time(self, value: datetime | None) -> object:
        return self._dialect.encode(ColumnType.TIMESTAMP, value)

    def _key(self, row: Row) -> ApiKey:
        decode = self._dialect.decoders[ColumnType.TIMESTAMP]
        key_id, name, scopes, secret_sha256, created_at, revoked_at = row
        return ApiKey(
            id=key_id,
            name=name,
            scopes=frozenset(scopes.split()),
            secret_sha256=secret_sha256,
            created_at=decode(created_at),
            revoked_at=decode(revoked_at),
        )

    def _held(
        self, work: Callable[[SqlExecutor], Awaitable[T]], *, write: bool
    ) -> FutureResult[T, AppError]:
        return on_connection(self._connections, work, write=write)
