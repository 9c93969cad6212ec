"""Numbered raw-SQL migrations, applied in order, each in its own transaction.

Layout: ``sql/migrations/<dialect>/NNNN_name.sql``. Each dialect keeps its
own file for each number (SQLite and PostgreSQL disagree on types and DDL);
a test holds the two lists to the same numbers and names.

Every applied migration is recorded with the SHA-256 of its text. A file
edited after it was applied is refused, so a database never silently
diverges from the code. On PostgreSQL the whole run holds an advisory lock,
so two instances starting at once apply each migration exactly once; on
SQLite each migration's ``BEGIN IMMEDIATE`` does the same job, and the
applied set is re-read inside the transaction.
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import databases
from returns.result import Failure, Result, Success

from my_api.adapters.sql.dialect import Dialect, DialectName
from my_api.adapters.sql.errors import DATABASE_ERRORS

MIGRATIONS_ROOT = Path(__file__).resolve().parents[4] / "sql" / "migrations"
# Arbitrary, fixed: the key of the advisory lock every runner takes (PostgreSQL).
ADVISORY_LOCK_KEY = 7_316_420_021
_FILE = re.compile(r"(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql")

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@attrs.frozen
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


class State(enum.Enum):
    APPLIED = "applied"
    PENDING = "pending"
    EDITED = "edited after it was applied"
    UNKNOWN = "applied, but no such file here"


@attrs.frozen
class Status:
    version: int
    name: str
    state: State


def discover(directory: Path) -> Result[tuple[Migration, ...], str]:
    """The migrations in ``directory``, in order, or why they cannot be used."""
    if not directory.is_dir():
        return Failure(f"migration directory {directory} does not exist")
    found: dict[int, Migration] = {}
    for path in sorted(directory.iterdir()):
        if path.suffix != ".sql":
            continue
        match = _FILE.fullmatch(path.name)
        if match is None:
            return Failure(f"{path.name}: migration files must be named NNNN_lower_snake.sql")
        version = int(match["version"])
        if version in found:
            return Failure(f"{path.name}: version {version} is used twice")
        found[version] = Migration(version, match["name"], path.read_text(encoding="utf-8"))
    return Success(tuple(found[version] for version in sorted(found)))


def directory_for(dialect: Dialect, root: Path = MIGRATIONS_ROOT) -> Path:
    return root / dialect.name.value


def sqlite_statements(script: str) -> list[str]:
    r"""Split a script into statements (``executescript`` would commit early).

    A statement ends where a line ends and SQLite agrees the text so far is
    complete, so semicolons inside strings or triggers are safe; write one
    statement per line end.

    >>> sqlite_statements("CREATE TABLE a (x TEXT DEFAULT ';');\n-- b next\nCREATE TABLE b (y);\n")
    ["CREATE TABLE a (x TEXT DEFAULT ';');", '-- b next\nCREATE TABLE b (y);']
    """
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if not _only_comments(pending):
        statements.append(pending.strip())
    return statements


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


class MigrationRunner:
    """Applies and reports migrations for one database."""

    def __init__(self, database: databases.Database, dialect: Dialect, directory: Path) -> None:
        self._database = database
        self._dialect = dialect
        self._directory = directory

    async def status(self) -> Result[tuple[Status, ...], str]:
        migrations = discover(self._directory)
        if isinstance(migrations, Failure):
            return migrations
        async with self._database.connection() as connection:
            raw = connection.raw_connection
            # Read-only: a database without a ledger simply has nothing applied.
            applied = await self._applied(raw) if await self._has_ledger(raw) else {}
        return Success(_states(migrations.unwrap(), applied))

    async def apply(self) -> Result[tuple[Migration, ...], str]:
        """Apply every pending migration; the ones this call applied, in order."""
        discovered = discover(self._directory)
        if isinstance(discovered, Failure):
            return discovered
        migrations = discovered.unwrap()
        async with self._database.connection() as connection:
            raw = connection.raw_connection
            postgres = self._dialect.name is DialectName.POSTGRESQL
            if postgres:
                await raw.execute("SELECT pg_advisory_lock($1)", ADVISORY_LOCK_KEY)
            try:
                await self._execute(raw, _CREATE_LEDGER)
                edited = [
                    status
                    for status in _states(migrations, await self._applied(raw))
                    if status.state is State.EDITED
                ]
                if edited:
                    return Failure(_edited_message(edited))
                return await self._apply_pending(raw, migrations)
            finally:
                if postgres:
                    await raw.execute("SELECT pg_advisory_unlock($1)", ADVISORY_LOCK_KEY)

    async def _apply_pending(
        self, raw: Any, migrations: Sequence[Migration]
    ) -> Result[tuple[Migration, ...], str]:
        ran: list[Migration] = []
        for migration in migrations:
            try:
                if await self._apply_one(raw, migration):
                    ran.append(migration)
            except DATABASE_ERRORS as error:
                # An operator reads this, so the driver's own words are the point.
                return Failure(
                    f"migration {migration.label} failed and was rolled back "
                    f"({len(ran)} applied before it): {type(error).__name__}: {error}"
                )
        return Success(tuple(ran))

    async def _apply_one(self, raw: Any, migration: Migration) -> bool:
        """Apply ``migration`` unless another runner already has; True if this one did."""
        postgres = self._dialect.name is DialectName.POSTGRESQL
        await self._execute(raw, "BEGIN" if postgres else "BEGIN IMMEDIATE")
        try:
            if migration.version in await self._applied(raw):
                await self._execute(raw, "ROLLBACK")
                return False
            if postgres:
                await raw.execute(migration.sql)
            else:
                for statement in sqlite_statements(migration.sql):
                    await raw.execute(statement)
            record = (
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
                f"VALUES ({self._dialect.param(1)}, {self._dialect.param(2)}, "
                f"{self._dialect.param(3)}, {self._dialect.param(4)})"
            )
            args = (
                migration.version,
                migration.name,
                migration.checksum,
                datetime.now(UTC).isoformat(timespec="seconds"),
            )
            if postgres:
                await raw.execute(record, *args)
            else:
                await raw.execute(record, args)
        # Not BaseException: a coroutine being closed (GeneratorExit) must not await.
        except (Exception, asyncio.CancelledError):
            await self._execute(raw, "ROLLBACK")
            raise
        await self._execute(raw, "COMMIT")
        return True

    async def _has_ledger(self, raw: Any) -> bool:
        if self._dialect.name is DialectName.POSTGRESQL:
            return bool(await raw.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL"))
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        async with raw.execute(query) as cursor:
            return await cursor.fetchone() is not None

    async def _applied(self, raw: Any) -> dict[int, tuple[str, str]]:
        query = "SELECT version, name, checksum FROM schema_migrations"
        if self._dialect.name is DialectName.POSTGRESQL:
            rows: Sequence[Any] = await raw.fetch(query)
        else:
            async with raw.execute(query) as cursor:
                rows = await cursor.fetchall()
        return {int(row[0]): (str(row[1]), str(row[2])) for row in rows}

    async def _execute(self, raw: Any, sql: str) -> None:
        if self._dialect.name is DialectName.POSTGRESQL:
            await raw.execute(sql)
        else:
            async with raw.execute(sql):
                pass


def _states(
    migrations: Sequence[Migration], applied: dict[int, tuple[str, str]]
) -> tuple[Status, ...]:
    known = {migration.version for migration in migrations}
    statuses = [
        Status(
            m.version,
            m.name,
            State.PENDING
            if m.version not in applied
            else State.APPLIED
            if applied[m.version][1] == m.checksum
            else State.EDITED,
        )
        for m in migrations
    ]
    statuses += [
        Status(version, name, State.UNKNOWN)
        for version, (name, _) in applied.items()
        if version not in known
    ]
    return tuple(sorted(statuses, key=lambda status: status.version))


def _edited_message(edited: Sequence[Status]) -> str:
    names = ", ".join(f"{status.version:04d}_{status.name}" for status in edited)
    return (
        f"refusing to migrate: {names} changed after being applied "
        "(checksum mismatch); add a new migration instead of editing an applied one"
    )
