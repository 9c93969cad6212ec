"""Migrations: applied once, in order, recorded, never silently edited.

Each test gets a fresh, empty database (a new SQLite file, or a new
PostgreSQL database created and dropped on the server named by
``MY_API_TEST_POSTGRES_URL``).
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import attrs
import databases
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns.result import Failure, Success

from my_api.adapters.sql.connections import AcquireTimeout, DatabaseConnections
from my_api.adapters.sql.dialect import POSTGRESQL, SQLITE, Dialect, sqlite_statements
from my_api.adapters.sql.migrations import (
    MIGRATIONS_ROOT,
    MigrationRunner,
    State,
    Status,
    directory_for,
    discover,
)
from my_api.bootstrap import build_container, dialect_of
from my_api.settings import Settings
from tests.conftest import fresh_postgres_database

POSTGRES_ENV = "MY_API_TEST_POSTGRES_URL"
REQUIRE_ENV = "MY_API_TEST_REQUIRE_SERVICES"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# A small migration set that both dialects accept as written.
PORTABLE = {
    "0001_create_shelves.sql": "CREATE TABLE shelves (id INTEGER PRIMARY KEY, label TEXT);\n",
    "0002_create_books.sql": (
        "-- two statements in one migration\n"
        "CREATE TABLE books (id INTEGER PRIMARY KEY, shelf INTEGER REFERENCES shelves (id));\n"
        "CREATE INDEX books_shelf ON books (shelf);\n"
    ),
    "0003_seed_shelves.sql": "INSERT INTO shelves (id, label) VALUES (1, 'a;b');\n",
}


@attrs.frozen
class Fresh:
    """An empty database nobody has migrated yet."""

    url: str

    @property
    def dialect(self) -> Dialect:
        return dialect_of(Settings(database_url=self.url))

    @asynccontextmanager
    async def connected(self) -> AsyncIterator[databases.Database]:
        database = build_container(Settings(database_url=self.url))[databases.Database]
        await database.connect()
        try:
            yield database
        finally:
            await database.disconnect()

    @asynccontextmanager
    async def runner(self, directory: Path | None = None) -> AsyncIterator[MigrationRunner]:
        async with self.connected() as database:
            yield MigrationRunner(
                DatabaseConnections(database, self.dialect, AcquireTimeout(5)),
                self.dialect,
                directory or directory_for(self.dialect),
            )

    async def ledger(self) -> list[tuple[int, str, str]]:
        async with self.connected() as database:
            rows = await database.fetch_all(
                "SELECT version, name, checksum FROM schema_migrations ORDER BY version"
            )
        return [(int(row[0]), str(row[1]), str(row[2])) for row in rows]

    async def tables(self) -> set[str]:
        query = (
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if self.dialect is SQLITE
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        )
        async with self.connected() as database:
            return {str(row[0]) for row in await database.fetch_all(query)}


@pytest.fixture(params=BACKENDS)
async def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Fresh]:
    if request.param == "sqlite":
        yield Fresh(f"sqlite:///{tmp_path / 'fresh.db'}")
        return
    async with fresh_postgres_database("my_api_migrations") as url:
        yield Fresh(url)


def write_migrations(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (directory / name).write_text(sql, encoding="utf-8")
    return directory


def real_migration_files(dialect: Dialect) -> list[Path]:
    return sorted(directory_for(dialect).glob("*.sql"))


# --- apply and status ---------------------------------------------------------------


async def test_a_fresh_database_gets_every_migration_in_order_and_records_it(
    fresh: Fresh,
) -> None:
    files = real_migration_files(fresh.dialect)
    assert files, "the project ships at least one migration"
    async with fresh.runner() as runner:
        applied = await runner.apply()
    assert isinstance(applied, Success), applied
    assert [migration.label for migration in applied.unwrap()] == [path.stem for path in files]
    assert await fresh.ledger() == [
        (
            int(path.stem[:4]),
            path.stem[5:],
            hashlib.sha256(path.read_text(encoding="utf-8").encode()).hexdigest(),
        )
        for path in files
    ]
    assert {"items", "schema_migrations"} <= await fresh.tables()


async def test_migrations_run_in_version_order(fresh: Fresh, tmp_path: Path) -> None:
    # 0003 inserts into the tables 0001 and 0002 create: any other order fails.
    directory = write_migrations(tmp_path / "portable", PORTABLE)
    async with fresh.runner(directory) as runner:
        applied = await runner.apply()
    assert [m.label for m in applied.unwrap()] == [name[:-4] for name in sorted(PORTABLE)]
    async with fresh.connected() as database:
        assert await database.fetch_val("SELECT label FROM shelves WHERE id = 1") == "a;b"


async def test_a_second_apply_applies_nothing(fresh: Fresh) -> None:
    async with fresh.runner() as runner:
        assert isinstance(await runner.apply(), Success)
        assert await runner.apply() == Success(())
    assert len(await fresh.ledger()) == len(real_migration_files(fresh.dialect))


async def test_status_reports_pending_then_applied(fresh: Fresh) -> None:
    names = [(int(path.stem[:4]), path.stem[5:]) for path in real_migration_files(fresh.dialect)]
    async with fresh.runner() as runner:
        before = await runner.status()
        assert isinstance(await runner.apply(), Success)
        after = await runner.status()
    assert before == Success(tuple(Status(v, n, State.PENDING) for v, n in names))
    assert after == Success(tuple(Status(v, n, State.APPLIED) for v, n in names))


async def test_status_reports_a_new_file_as_pending_next_to_applied_ones(
    fresh: Fresh, tmp_path: Path
) -> None:
    directory = write_migrations(
        tmp_path / "m", {"0001_create_shelves.sql": PORTABLE["0001_create_shelves.sql"]}
    )
    async with fresh.runner(directory) as runner:
        assert isinstance(await runner.apply(), Success)
        write_migrations(directory, {"0002_create_books.sql": PORTABLE["0002_create_books.sql"]})
        assert await runner.status() == Success(
            (
                Status(1, "create_shelves", State.APPLIED),
                Status(2, "create_books", State.PENDING),
            )
        )


async def test_status_reports_an_applied_migration_whose_file_is_gone(
    fresh: Fresh, tmp_path: Path
) -> None:
    directory = write_migrations(tmp_path / "m", PORTABLE)
    async with fresh.runner(directory) as runner:
        assert isinstance(await runner.apply(), Success)
        (directory / "0003_seed_shelves.sql").unlink()
        statuses = (await runner.status()).unwrap()
    assert statuses[-1] == Status(3, "seed_shelves", State.UNKNOWN)


# --- refusing edits, rolling back failures --------------------------------------------


async def test_editing_an_applied_migration_makes_apply_refuse_naming_the_file(
    fresh: Fresh, tmp_path: Path
) -> None:
    directory = tmp_path / "migrations"
    shutil.copytree(directory_for(fresh.dialect), directory)
    first = sorted(directory.glob("*.sql"))[0]
    async with fresh.runner(directory) as runner:
        assert isinstance(await runner.apply(), Success)
        ledger_before = await fresh.ledger()
        first.write_text(first.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
        refused = await runner.apply()
        statuses = (await runner.status()).unwrap()
    assert isinstance(refused, Failure)
    assert first.stem in refused.failure()
    assert "changed" in refused.failure()
    assert statuses[0].state is State.EDITED
    assert await fresh.ledger() == ledger_before


async def test_a_failing_migration_is_rolled_back_and_not_recorded(
    fresh: Fresh, tmp_path: Path
) -> None:
    directory = write_migrations(
        tmp_path / "m",
        {
            "0001_create_shelves.sql": PORTABLE["0001_create_shelves.sql"],
            # The first statement succeeds; the second is broken, so the
            # whole migration must vanish, table included.
            "0002_broken.sql": "CREATE TABLE half_done (id INTEGER);\nCREATE TABLE oops (;\n",
            "0003_create_books.sql": PORTABLE["0002_create_books.sql"],
        },
    )
    async with fresh.runner(directory) as runner:
        failed = await runner.apply()
        statuses = (await runner.status()).unwrap()
    message = failed.failure()
    assert "0002_broken failed and was rolled back (1 applied before it)" in message
    assert [version for version, _, _ in await fresh.ledger()] == [1]
    assert [status.state for status in statuses] == [State.APPLIED, State.PENDING, State.PENDING]
    tables = await fresh.tables()
    assert "shelves" in tables
    assert not {"half_done", "oops", "books"} & tables


async def test_after_a_failed_migration_is_fixed_apply_resumes_from_it(
    fresh: Fresh, tmp_path: Path
) -> None:
    directory = write_migrations(
        tmp_path / "m",
        {
            "0001_create_shelves.sql": PORTABLE["0001_create_shelves.sql"],
            "0002_create_books.sql": "CREATE TABLE books (;\n",
        },
    )
    async with fresh.runner(directory) as runner:
        assert isinstance(await runner.apply(), Failure)
        write_migrations(directory, {"0002_create_books.sql": PORTABLE["0002_create_books.sql"]})
        resumed = await runner.apply()
    assert [m.label for m in resumed.unwrap()] == ["0002_create_books"]
    assert [version for version, _, _ in await fresh.ledger()] == [1, 2]


# --- concurrent runners -----------------------------------------------------------------


async def _race(fresh: Fresh, directory: Path, runners: int) -> int:
    """Start ``runners`` runners at once, each with its own pool; how many migrations ran."""
    databases_ = [
        build_container(Settings(database_url=fresh.url))[databases.Database]
        for _ in range(runners)
    ]
    for database in databases_:
        await database.connect()
    try:
        results = await asyncio.gather(
            *(
                MigrationRunner(
                    DatabaseConnections(db, fresh.dialect, AcquireTimeout(5)),
                    fresh.dialect,
                    directory,
                ).apply()
                for db in databases_
            )
        )
    finally:
        for database in databases_:
            await database.disconnect()
    assert all(isinstance(result, Success) for result in results), results
    return sum(len(result.unwrap()) for result in results)


@pytest.mark.postgres
async def test_concurrent_runners_on_postgresql_apply_each_migration_exactly_once(
    tmp_path: Path,
) -> None:
    directory = write_migrations(tmp_path / "m", PORTABLE)
    async with fresh_postgres_database("my_api_migrations") as url:
        fresh = Fresh(url)
        assert await _race(fresh, directory, runners=4) == len(PORTABLE)
        assert [version for version, _, _ in await fresh.ledger()] == [1, 2, 3]
        async with fresh.connected() as database:
            assert await database.fetch_val("SELECT count(*) FROM shelves") == 1


async def test_concurrent_runners_on_sqlite_apply_each_migration_exactly_once(
    tmp_path: Path,
) -> None:
    directory = write_migrations(tmp_path / "m", PORTABLE)
    fresh = Fresh(f"sqlite:///{tmp_path / 'race.db'}")
    assert await _race(fresh, directory, runners=3) == len(PORTABLE)
    assert [version for version, _, _ in await fresh.ledger()] == [1, 2, 3]
    async with fresh.connected() as database:
        assert await database.fetch_val("SELECT count(*) FROM shelves") == 1


# --- the shipped migrations ---------------------------------------------------------------


def test_both_dialects_ship_the_same_migration_versions_and_names() -> None:
    postgres = discover(directory_for(POSTGRESQL)).unwrap()
    sqlite = discover(directory_for(SQLITE)).unwrap()
    assert postgres
    assert [(m.version, m.name) for m in postgres] == [(m.version, m.name) for m in sqlite]


def test_every_shipped_file_is_a_discovered_migration() -> None:
    # A misnamed file would otherwise be refused only at start-up.
    for dialect in (POSTGRESQL, SQLITE):
        files = [path.stem for path in real_migration_files(dialect)]
        assert [m.label for m in discover(directory_for(dialect)).unwrap()] == files


# --- splitting SQLite scripts -------------------------------------------------------------

# Text a string literal or a comment may hold, semicolons, quotes and line breaks included.
_literal_text = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20
)
# A line comment ends at the next "\n", so a comment cannot hold one.
_comment = st.text(
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00\n"), max_size=20
)


@st.composite
def _scripts(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A script of CREATE TABLE statements (each ending at a line end) and its literals."""
    literals = draw(st.lists(_literal_text, min_size=1, max_size=5))
    parts = []
    for index, literal in enumerate(literals):
        comments = draw(st.lists(_comment, max_size=2))
        quoted = literal.replace("'", "''")
        parts.append(
            "".join(f"-- {comment}\n" for comment in comments)
            + f"CREATE TABLE t{index} (\n  x TEXT DEFAULT '{quoted}'\n);"
            + draw(st.sampled_from(["\n", "\n\n", "  \n", "\r\n"]))
        )
    return "".join(parts), literals


def _squeezed(text: str) -> str:
    return "".join(text.split())


@settings(max_examples=60)
@given(script=_scripts())
def test_splitting_a_script_loses_and_adds_nothing(script: tuple[str, list[str]]) -> None:
    text, literals = script
    statements = sqlite_statements(text)
    assert len(statements) == len(literals)
    assert _squeezed("".join(statements)) == _squeezed(text)
    # Each piece is one complete statement SQLite accepts on its own, and the
    # literals arrive intact (a split inside a string would corrupt them).
    connection = sqlite3.connect(":memory:")
    try:
        for statement in statements:
            assert sqlite3.complete_statement(statement)
            connection.execute(statement)
        for index, literal in enumerate(literals):
            connection.execute(f"INSERT INTO t{index} DEFAULT VALUES")
            assert connection.execute(f"SELECT x FROM t{index}").fetchone() == (literal,)
    finally:
        connection.close()


def test_a_trigger_body_is_not_split_at_its_inner_semicolons() -> None:
    script = (
        "CREATE TABLE a (x, n);\n"
        "CREATE TRIGGER bump AFTER UPDATE OF x ON a\n"
        "BEGIN\n"
        "  UPDATE a SET n = n + 1;\n"
        "END;\n"
        "CREATE TABLE b (y);\n"
    )
    assert sqlite_statements(script) == [
        "CREATE TABLE a (x, n);",
        "CREATE TRIGGER bump AFTER UPDATE OF x ON a\nBEGIN\n  UPDATE a SET n = n + 1;\nEND;",
        "CREATE TABLE b (y);",
    ]


def test_a_trailing_comment_is_not_a_statement() -> None:
    assert sqlite_statements("CREATE TABLE a (x);\n-- the end\n\n") == ["CREATE TABLE a (x);"]


def test_an_unterminated_last_statement_is_kept_so_that_it_fails_loudly() -> None:
    assert sqlite_statements("CREATE TABLE a (x);\nCREATE TABLE b (y)\n") == [
        "CREATE TABLE a (x);",
        "CREATE TABLE b (y)",
    ]


def test_an_empty_script_has_no_statements() -> None:
    assert sqlite_statements("") == []
    assert sqlite_statements("\n  \n-- nothing here\n") == []


async def test_status_only_reads_a_database_without_a_ledger(fresh: Fresh) -> None:
    async with fresh.runner(MIGRATIONS_ROOT / fresh.dialect.name.value) as runner:
        statuses = (await runner.status()).unwrap()
    assert {status.state for status in statuses} == {State.PENDING}
    assert "schema_migrations" not in await fresh.tables()
