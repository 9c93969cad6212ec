"""The ``my-api`` console script, run as a user runs it: a real process, real databases."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2
import pytest

from my_api.adapters.sql.migrations import MIGRATIONS_ROOT

MY_API = Path(sys.executable).parent / "my-api"
UNREACHABLE = "postgresql://postgres@127.0.0.1:1/x"
READY_WITHIN_SECONDS = 15.0
STOP_WITHIN_SECONDS = 15.0
RUN_WITHIN_SECONDS = 60.0
EXIT_CONFIG = 2


def environment(database_url: str, **extra: str) -> dict[str, str]:
    """The caller's environment, minus any service settings it happens to carry."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("MY_API_") or name.startswith("MY_API_TEST_")
    }
    env["MY_API_DATABASE_URL"] = database_url
    env.update(extra)
    return env


def my_api(
    *args: str, database_url: str, cwd: Path, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [str(MY_API), *args],
        env=environment(database_url, **extra),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=RUN_WITHIN_SECONDS,
        check=False,
    )


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def tables_in(path: Path) -> set[str]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    finally:
        connection.close()
    return {str(row[0]) for row in rows}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr
    assert "Traceback" not in result.stdout


def test_the_console_script_is_installed() -> None:
    assert MY_API.is_file()
    assert os.access(MY_API, os.X_OK)


# -- migrate ---------------------------------------------------------------------------

# The shipped migrations, e.g. "0001_create_items", in order.
SHIPPED = [path.stem for path in sorted((MIGRATIONS_ROOT / "sqlite").glob("*.sql"))]


def test_migrate_applies_pending_migrations_once_and_says_which(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    first = my_api("migrate", database_url=sqlite_url(db), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        *(f"applied {label}" for label in SHIPPED),
        f"{len(SHIPPED)} migration(s) applied; the database is up to date",
    ]
    assert {"items", "schema_migrations"} <= tables_in(db)

    again = my_api("migrate", database_url=sqlite_url(db), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["0 migration(s) applied; the database is up to date"]


def test_migrate_status_reports_pending_then_applied(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    before = my_api("migrate", "--status", database_url=sqlite_url(db), cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    assert before.stdout.splitlines() == [f"{label}: pending" for label in SHIPPED]
    assert "items" not in tables_in(db)

    assert my_api("migrate", database_url=sqlite_url(db), cwd=tmp_path).returncode == 0
    after = my_api("migrate", "--status", database_url=sqlite_url(db), cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout.splitlines() == [f"{label}: applied" for label in SHIPPED]


def tamper_with_applied_checksum(db: Path) -> None:
    connection = sqlite3.connect(db)
    try:
        connection.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
        connection.commit()
    finally:
        connection.close()


def test_migrate_status_flags_a_migration_edited_after_it_was_applied(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    assert my_api("migrate", database_url=sqlite_url(db), cwd=tmp_path).returncode == 0
    tamper_with_applied_checksum(db)
    status = my_api("migrate", "--status", database_url=sqlite_url(db), cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == [
        f"{SHIPPED[0]}: edited after it was applied",
        *(f"{label}: applied" for label in SHIPPED[1:]),
    ]


def test_migrate_refuses_an_edited_migration_with_a_message_not_a_traceback(
    tmp_path: Path,
) -> None:
    db = tmp_path / "app.db"
    assert my_api("migrate", database_url=sqlite_url(db), cwd=tmp_path).returncode == 0
    tamper_with_applied_checksum(db)
    refused = my_api("migrate", database_url=sqlite_url(db), cwd=tmp_path)
    assert_no_traceback(refused)
    assert refused.returncode == 1
    assert "refusing to migrate: 0001_create_items changed after being applied" in refused.stderr


@pytest.mark.parametrize("args", [("migrate",), ("migrate", "--status")])
def test_an_unreachable_database_is_a_clear_message_and_a_failure_exit(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = my_api(*args, database_url=UNREACHABLE, cwd=tmp_path)
    assert result.returncode != 0
    assert_no_traceback(result)
    (line,) = result.stderr.splitlines()
    assert line.startswith("my-api: cannot use the database: ")
    assert "refused" in line.lower()


@pytest.mark.postgres
def test_migrate_status_reports_the_postgres_schema_as_applied(
    migrated_postgres: str, tmp_path: Path
) -> None:
    status = my_api("migrate", "--status", database_url=migrated_postgres, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert status.stdout.splitlines() == [f"{label}: applied" for label in SHIPPED]
    again = my_api("migrate", database_url=migrated_postgres, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines() == ["0 migration(s) applied; the database is up to date"]


# -- configuration ---------------------------------------------------------------------


@pytest.mark.parametrize("command", ["migrate", "serve"])
def test_a_bad_configuration_exits_2_naming_the_variable_without_a_traceback(
    tmp_path: Path, command: str
) -> None:
    result = my_api(
        command, database_url=sqlite_url(tmp_path / "app.db"), cwd=tmp_path, MY_API_PORT="abc"
    )
    assert_no_traceback(result)
    assert result.returncode == EXIT_CONFIG
    problems = [line.strip() for line in result.stderr.splitlines()[1:]]
    assert problems == ["MY_API_PORT: must be an integer (got 'abc')"]
    assert not (tmp_path / "app.db").exists()


def test_every_configuration_problem_gets_its_own_line(tmp_path: Path) -> None:
    result = my_api(
        "migrate",
        database_url="mysql://x",
        cwd=tmp_path,
        MY_API_PORT="abc",
        MY_API_LOG_LEVEL="LOUD",
        MY_API_PROT="8080",
    )
    assert_no_traceback(result)
    assert result.returncode == EXIT_CONFIG
    lines = result.stderr.splitlines()
    assert lines[0].startswith("my-api: invalid configuration")
    named = sorted(line.strip().split(":", 1)[0] for line in lines[1:])
    assert named == ["MY_API_DATABASE_URL", "MY_API_LOG_LEVEL", "MY_API_PORT", "MY_API_PROT"]


def test_an_out_of_range_port_option_exits_2_without_a_traceback(tmp_path: Path) -> None:
    result = my_api(
        "serve", "--port", "70000", database_url=sqlite_url(tmp_path / "app.db"), cwd=tmp_path
    )
    assert_no_traceback(result)
    assert result.returncode == EXIT_CONFIG
    assert result.stderr.splitlines() == ["my-api: --port: must be between 1 and 65535 (got 70000)"]


# -- serve -----------------------------------------------------------------------------


@contextmanager
def serving(database_url: str, cwd: Path) -> Iterator[httpx2.Client]:
    """``my-api serve`` on a free port; yields a client once it is live, stops it after."""
    port = free_port()
    log = cwd / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(MY_API), "serve", "--port", str(port)],
            env=environment(database_url),
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            wait_until_live(client, process, log)
            yield client
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=STOP_WITHIN_SECONDS) == 0, log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_WITHIN_SECONDS)


def wait_until_live(client: httpx2.Client, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"my-api serve exited early:\n{log.read_text()}"
        try:
            if client.get("/health/live").status_code == 200:
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.05)  # polling interval, bounded by the deadline
    pytest.fail(f"my-api serve was not live within {READY_WITHIN_SECONDS} s:\n{log.read_text()}")


def round_trip(client: httpx2.Client) -> None:
    live = client.get("/health/live")
    assert live.status_code == 200
    created = client.post(
        "/api/v1/items", json={"name": "Served lamp", "price": "12.5", "quantity": 2}
    )
    assert created.status_code == 201, created.text
    fetched = client.get(created.headers["location"])
    assert fetched.status_code == 200
    assert fetched.json()["data"] == created.json()["data"]
    assert fetched.json()["data"]["price"] == "12.50"
    assert fetched.headers["etag"] == created.headers["etag"] == '"1"'
    ready = client.get("/health/ready")
    assert ready.status_code == 200


def test_serve_migrates_a_fresh_sqlite_database_and_answers_over_http(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "app.db"
    assert not db.exists()
    with serving(sqlite_url(db), tmp_path) as client:
        assert {"items", "schema_migrations"} <= tables_in(db)
        round_trip(client)
    status = my_api("migrate", "--status", database_url=sqlite_url(db), cwd=tmp_path)
    assert status.stdout.splitlines() == [f"{label}: applied" for label in SHIPPED]


def test_data_written_by_one_serve_survives_a_restart(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "app.db")
    with serving(url, tmp_path) as client:
        created = client.post("/api/v1/items", json={"name": "Kept", "price": "1", "quantity": 1})
        location = created.headers["location"]
    with serving(url, tmp_path) as client:
        fetched = client.get(location)
        assert fetched.status_code == 200
        assert fetched.json()["data"] == created.json()["data"]


@pytest.mark.postgres
def test_serve_answers_over_http_on_postgres(migrated_postgres: str, tmp_path: Path) -> None:
    with serving(migrated_postgres, tmp_path) as client:
        round_trip(client)


def test_serve_with_an_unreachable_database_fails_with_a_message_not_a_traceback(
    tmp_path: Path,
) -> None:
    result = my_api("serve", "--port", str(free_port()), database_url=UNREACHABLE, cwd=tmp_path)
    assert result.returncode != 0
    assert_no_traceback(result)
