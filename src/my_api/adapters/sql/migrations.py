"""Numbered raw-SQL migrations, applied in order, each in its own transaction.

Layout: ``sql/migrations/<dialect>/NNNN_name.sql``. Each dialect keeps its
own file for each number (SQLite and PostgreSQL disagree on types and DDL);
a test holds the two lists to the same numbers and names.

Every applied migration is recorded with the SHA-256 of its text. A file
edited after it was applied is refused, so a database never silently
diverges from the code. Several runners may start at once (instances of the
service starting together): each migration's transaction first *claims* its
version by inserting the ledger row, so on both databases a second runner
waits on the first one's claim and then finds the version taken (a unique
violation), and skips it. The runner speaks through the same ``Connections``
port as the unit of work; what differs between dialects is data in
``Dialect`` (how a script splits, how the catalog is read).
"""

from __future__ import annotations

import asyncio
import enum
import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs
from returns.result import Failure, Result, Success

from my_api.adapters.sql.connections import Connections, HeldConnection
from my_api.adapters.sql.dialect import Dialect
from my_api.adapters.sql.errors import DATABASE_ERRORS, is_unique_violation
from my_api.adapters.sql.executor import SqlExecutor

MIGRATIONS_ROOT = Path(__file__).resolve().parents[4] / "sql" / "migrations"
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


class MigrationRunner:
    """Applies and reports migrations for one database."""

    def __init__(self, connections: Connections, dialect: Dialect, directory: Path) -> None:
        self._connections = connections
        self._dialect = dialect
        self._directory = directory

    async def status(self) -> Result[tuple[Status, ...], str]:
        migrations = discover(self._directory)
        if isinstance(migrations, Failure):
            return migrations
        async with self._connections.hold() as connection:
            statements = connection.statements
            # Read-only: a database without a ledger simply has nothing applied.
            ledger = await statements.fetch_one(self._dialect.table_exists, ["schema_migrations"])
            applied = await _applied(statements) if ledger is not None else {}
        return Success(_states(migrations.unwrap(), applied))

    async def apply(self) -> Result[tuple[Migration, ...], str]:
        """Apply every pending migration; the ones this call applied, in order."""
        discovered = discover(self._directory)
        if isinstance(discovered, Failure):
            return discovered
        migrations = discovered.unwrap()
        async with self._connections.hold() as connection:
            await _create_ledger(connection.statements)
            states = _states(migrations, await _applied(connection.statements))
            edited = [status for status in states if status.state is State.EDITED]
            if edited:
                return Failure(_edited_message(edited))
            pending = {status.version for status in states if status.state is State.PENDING}
            return await self._apply_pending(
                connection, [m for m in migrations if m.version in pending]
            )

    async def _apply_pending(
        self, connection: HeldConnection, migrations: Sequence[Migration]
    ) -> Result[tuple[Migration, ...], str]:
        ran: list[Migration] = []
        for migration in migrations:
            try:
                if await self._apply_one(connection, migration):
                    ran.append(migration)
            except DATABASE_ERRORS as error:
                # An operator reads this, so the driver's own words are the point.
                return Failure(
                    f"migration {migration.label} failed and was rolled back "
                    f"({len(ran)} applied before it): {type(error).__name__}: {error}"
                )
        return Success(tuple(ran))

    async def _apply_one(self, connection: HeldConnection, migration: Migration) -> bool:
        """Apply ``migration`` unless another runner has claimed it; True if this one did."""
        statements = connection.statements
        transaction = connection.transaction(snapshot=False)
        await transaction.start()
        try:
            await statements.execute(self._record, _ledger_row(migration))
        except DATABASE_ERRORS as error:
            await transaction.rollback()
            if is_unique_violation(error):
                return False
            raise
        try:
            for statement in self._dialect.split_script(migration.sql):
                await statements.execute(statement)
        # Not BaseException: a coroutine being closed (GeneratorExit) must not await.
        except (Exception, asyncio.CancelledError):
            await transaction.rollback()
            raise
        await transaction.commit()
        return True

    @property
    def _record(self) -> str:
        params = ", ".join(self._dialect.param(position) for position in range(1, 5))
        return (
            f"INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ({params})"
        )


def _ledger_row(migration: Migration) -> tuple[int, str, str, str]:
    applied_at = datetime.now(UTC).isoformat(timespec="seconds")
    return (migration.version, migration.name, migration.checksum, applied_at)


async def _create_ledger(statements: SqlExecutor) -> None:
    try:
        await statements.execute(_CREATE_LEDGER)
    except DATABASE_ERRORS as error:
        # Two PostgreSQL sessions creating the same table at once: the loser's
        # IF NOT EXISTS comes too late and its catalog insert is a duplicate.
        if not is_unique_violation(error):
            raise


async def _applied(statements: SqlExecutor) -> dict[int, tuple[str, str]]:
    rows = await statements.fetch_all("SELECT version, name, checksum FROM schema_migrations")
    return {int(row[0]): (str(row[1]), str(row[2])) for row in rows}


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
