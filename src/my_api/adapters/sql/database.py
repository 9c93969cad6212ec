"""Building the ``databases.Database`` for the configured URL.

SQLite connections are created through a ``sqlite3.Connection`` subclass so
that every new connection gets its PRAGMAs (``foreign_keys`` is per
connection and off by default) and its time limits. A SQLite file also gets
one long-lived writer connection, opened and closed with the database: every
write goes through it, one at a time (the unit of work queues them), while
reads use connections of their own. PostgreSQL gets an explicitly sized pool
whose sessions carry ``statement_timeout`` and ``lock_timeout``.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
import attrs
import databases

from my_api.adapters.sql.dialect import SQLITE, Dialect

# The default lock wait (MY_API_DB_LOCK_TIMEOUT_SECONDS), in SQLite's unit.
SQLITE_BUSY_TIMEOUT_MS = 5000
# How many SQLite virtual-machine steps run between two looks at the deadline:
# often enough to stop within a millisecond or so, rare enough to cost nothing.
PROGRESS_STEPS = 10_000


@attrs.frozen
class TimeLimits:
    """How long one statement may run, and how long it may wait for a lock."""

    statement_seconds: float
    lock_seconds: float


class _PragmaConnection(sqlite3.Connection):
    # Set on the subclass ``connection_class`` makes for the configured limits.
    limits = TimeLimits(statement_seconds=10.0, lock_seconds=SQLITE_BUSY_TIMEOUT_MS / 1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline = float("inf")
        self.execute("PRAGMA foreign_keys = ON")
        self.execute(f"PRAGMA busy_timeout = {round(self.limits.lock_seconds * 1000)}")
        self.execute("PRAGMA synchronous = NORMAL")
        # LIKE must be case-sensitive, as on PostgreSQL; ilike lowers both sides.
        self.execute("PRAGMA case_sensitive_like = ON")
        self.set_progress_handler(self._past_deadline, PROGRESS_STEPS)

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        """Every statement gets its own deadline: past it SQLite stops the
        statement with ``OperationalError: interrupted`` (an ``Unavailable``).
        """
        self._deadline = time.monotonic() + self.limits.statement_seconds
        return super().execute(sql, parameters)

    def _past_deadline(self) -> int:
        return time.monotonic() > self._deadline


def connection_class(limits: TimeLimits) -> type[sqlite3.Connection]:
    """A ``sqlite3.Connection`` class opening connections with these limits."""
    return type("LimitedConnection", (_PragmaConnection,), {"limits": limits})


def _use_wal(path: Path, limits: TimeLimits) -> None:
    """WAL lets readers proceed while one writer commits. The mode is stored in the
    file, so it is set once here; switching per connection can fail as "locked".
    """
    with sqlite3.connect(path, timeout=limits.lock_seconds) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
    connection.close()


def sqlite_path(url: str) -> Path | None:
    """The file a ``sqlite:///path`` URL names (None for in-memory URLs)."""
    path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
    return Path(path) if path and path != ":memory:" and not path.startswith("file:") else None


class WriterDatabase(databases.Database):
    """A SQLite file, with one long-lived connection that every write goes through.

    SQLite has one writer at a time. A connection opened per write would cost a
    thread and an open for each, and the last one closed checkpoints the WAL
    under an exclusive lock; one writer connection, kept open, does neither.
    It runs in autocommit mode: transactions on it are explicit
    (``BEGIN IMMEDIATE``), see ``connections.py``. ``writing`` lends it to one
    holder at a time: writers queue on it in-process instead of spinning on
    SQLite's busy handler.
    """

    def __init__(self, url: str, path: Path, factory: type[sqlite3.Connection]) -> None:
        super().__init__(url, factory=factory)
        self._path = path
        self._factory = factory
        self.writer: aiosqlite.Connection | None = None
        self.writing = asyncio.Lock()

    async def connect(self) -> None:
        await super().connect()
        if self.writer is None:
            # Made on the loop that connects: the one its holders will queue on.
            self.writing = asyncio.Lock()
            self.writer = await aiosqlite.connect(
                self._path, factory=self._factory, isolation_level=None
            )

    async def disconnect(self) -> None:
        writer, self.writer = self.writer, None
        try:
            if writer is not None:
                await writer.close()
        finally:
            await super().disconnect()


@attrs.frozen
class PoolSize:
    """How many PostgreSQL connections the pool keeps open, and at most opens."""

    min_size: int
    max_size: int


def create_database(
    url: str, dialect: Dialect, pool: PoolSize, limits: TimeLimits | None = None
) -> databases.Database:
    limits = limits or _PragmaConnection.limits
    if dialect is SQLITE:
        factory = connection_class(limits)
        path = sqlite_path(url)
        if path is None:
            return databases.Database(url, factory=factory)
        path.parent.mkdir(parents=True, exist_ok=True)
        _use_wal(path, limits)
        return WriterDatabase(url, path, factory)
    return databases.Database(
        url,
        min_size=pool.min_size,
        max_size=pool.max_size,
        reset=_release_reset,
        # Set once per session, when the pool opens it: a statement running past
        # the bound, or waiting for a lock past its own, fails (503) instead of hanging.
        server_settings={
            "statement_timeout": str(round(limits.statement_seconds * 1000)),
            "lock_timeout": str(round(limits.lock_seconds * 1000)),
        },
    )


async def _release_reset(_: asyncpg.Connection[Any]) -> None:
    """Nothing beyond what asyncpg always does on release.

    With a custom ``reset`` asyncpg still rolls back an unfinished transaction
    (a cancelled request) itself, but skips its default reset query
    (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``): one
    more round trip per request. This service leaves no other session state
    behind: no LISTEN, no SET, no cursors, no advisory locks (the time limits
    are set when the session starts, not with SET).
    """
