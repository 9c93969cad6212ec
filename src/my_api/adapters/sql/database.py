"""Building the ``databases.Database`` for the configured URL.

SQLite connections are created through a ``sqlite3.Connection`` subclass so
that every new connection gets its PRAGMAs (``foreign_keys`` is per
connection and off by default). PostgreSQL gets an explicitly sized pool.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import asyncpg
import attrs
import databases

from my_api.adapters.sql.dialect import SQLITE, Dialect

SQLITE_BUSY_TIMEOUT_MS = 5000


class _PragmaConnection(sqlite3.Connection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.execute("PRAGMA foreign_keys = ON")
        self.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        self.execute("PRAGMA synchronous = NORMAL")
        # LIKE must be case-sensitive, as on PostgreSQL; ilike lowers both sides.
        self.execute("PRAGMA case_sensitive_like = ON")


def _use_wal(path: Path) -> None:
    """WAL lets readers proceed while one writer commits. The mode is stored in the
    file, so it is set once here; switching per connection can fail as "locked".
    """
    with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000) as connection:
        connection.execute("PRAGMA journal_mode = WAL")
    connection.close()


def sqlite_path(url: str) -> Path | None:
    """The file a ``sqlite:///path`` URL names (None for in-memory URLs)."""
    path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
    return Path(path) if path and path != ":memory:" and not path.startswith("file:") else None


@attrs.frozen
class PoolSize:
    """How many PostgreSQL connections the pool keeps open, and at most opens."""

    min_size: int
    max_size: int


def create_database(url: str, dialect: Dialect, pool: PoolSize) -> databases.Database:
    if dialect is SQLITE:
        path = sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            _use_wal(path)
        return databases.Database(url, factory=_PragmaConnection)
    return databases.Database(
        url, min_size=pool.min_size, max_size=pool.max_size, reset=_release_reset
    )


async def _release_reset(_: asyncpg.Connection[Any]) -> None:
    """Nothing beyond what asyncpg always does on release.

    With a custom ``reset`` asyncpg still rolls back an unfinished transaction
    (a cancelled request) itself, but skips its default reset query
    (``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``): one
    more round trip per request. This service leaves no other session state
    behind: no LISTEN, no SET, no cursors, no advisory locks.
    """
