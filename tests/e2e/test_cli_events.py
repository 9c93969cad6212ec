"""``my-api relay``, ``my-api events --parked`` and ``my-api events --replay ID``: real
processes on a SQLite file; the replay's success in-process (a subprocess has no
handlers subscribed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeVar

import databases
import pytest
from lagom import Container
from returns.future import FutureResult
from returns.io import IOSuccess

from my_api.adapters.sql.unit_of_work import SqlUnitOfWork
from my_api.application.event_handlers import EventHandlers
from my_api.application.relay import Relay
from my_api.bootstrap import build_container
from my_api.cli import events_command
from my_api.kernel.clock import new_id
from my_api.kernel.events import DomainEvent, Emitted, Published
from my_api.kernel.handler_progress import Parked
from my_api.settings import Settings
from tests.e2e.test_cli import (
    MY_API,
    READY_WITHIN_SECONDS,
    STOP_WITHIN_SECONDS,
    assert_no_traceback,
    environment,
    my_api,
    sqlite_url,
)
from tests.event_samples import events

T = TypeVar("T")
HANDLER = "mailer"


def on_database(url: str, work: Callable[[Container], Awaitable[T]]) -> T:
    """``work`` on the connected database at ``url``, with the container the CLI builds."""

    async def run() -> T:
        container = build_container(Settings(database_url=url))
        database = container[databases.Database]
        await database.connect()
        try:
            return await work(container)
        finally:
            await database.disconnect()

    return asyncio.run(run())


def migrated(tmp_path: Path) -> str:
    url = sqlite_url(tmp_path / "app.db")
    assert my_api("migrate", database_url=url, cwd=tmp_path).returncode == 0
    return url


def commit(url: str, written: Sequence[DomainEvent]) -> None:
    async def write(container: Container) -> None:
        done = await container[SqlUnitOfWork].atomically(
            lambda _: FutureResult.from_value(Emitted(None, tuple(written)))
        )
        assert done == IOSuccess(None)

    on_database(url, write)


def fail(published: Published) -> None:
    raise RuntimeError(f"cannot mail about {published.event.id}\nsecond line")


def park_all(url: str) -> list[Parked]:
    """Publish what is pending; the handler ``mailer`` fails on each event and parks it."""

    async def relay_with_failing_mailer(container: Container) -> list[Parked]:
        container[EventHandlers].subscribe("item.updated", fail, name=HANDLER)
        relay = container[Relay]
        assert (await relay.catch_up()).unwrap() is None
        return list((await relay.parked()).unwrap())

    return on_database(url, relay_with_failing_mailer)


# -- events --parked -------------------------------------------------------------------


def test_events_parked_lists_each_parking_on_one_line(tmp_path: Path) -> None:
    url = migrated(tmp_path)
    written = events(2)
    commit(url, written)
    parked = park_all(url)

    listed = my_api("events", "--parked", database_url=url, cwd=tmp_path)

    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        f"mailer  {event.id}  item.updated  sequence={n}  parked_at={one.at.isoformat()}  "
        f"RuntimeError: cannot mail about {event.id}\\nsecond line"
        for n, (event, one) in enumerate(zip(written, parked, strict=True), start=1)
    ]


def test_events_parked_with_nothing_parked_prints_nothing(tmp_path: Path) -> None:
    listed = my_api("events", "--parked", database_url=migrated(tmp_path), cwd=tmp_path)
    assert (listed.returncode, listed.stdout) == (0, "")


# -- events --replay -------------------------------------------------------------------


def test_replaying_an_unknown_event_names_it_and_fails(tmp_path: Path) -> None:
    unknown = new_id()
    result = my_api(
        "events", "--replay", str(unknown), database_url=migrated(tmp_path), cwd=tmp_path
    )
    assert_no_traceback(result)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"my-api: no parked event with id {unknown}"]


def test_replaying_something_that_is_not_an_event_id_is_a_usage_error(tmp_path: Path) -> None:
    result = my_api(
        "events", "--replay", "42", database_url=sqlite_url(tmp_path / "a.db"), cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["my-api: --replay: not an event id (a UUID): '42'"]


def test_replaying_where_the_handler_is_not_subscribed_keeps_it_parked(tmp_path: Path) -> None:
    url = migrated(tmp_path)
    (event,) = written = events(1)
    commit(url, written)
    park_all(url)

    result = my_api("events", "--replay", str(event.id), database_url=url, cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"my-api: mailer on {event.id}: no handler of this name is subscribed; still parked"
    ]
    listed = my_api("events", "--parked", database_url=url, cwd=tmp_path)
    assert [line.split("  ")[:2] for line in listed.stdout.splitlines()] == [
        [HANDLER, str(event.id)]
    ]


def test_replaying_with_the_handler_fixed_runs_it_and_unparks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = migrated(tmp_path)
    (event,) = written = events(1)
    commit(url, written)
    park_all(url)
    handled: list[Published] = []

    async def replay_fixed(container: Container) -> int:
        container[EventHandlers].subscribe("item.updated", handled.append, name=HANDLER)
        arguments = argparse.Namespace(parked=False, replay=str(event.id))
        return await events_command(arguments)(container)

    assert on_database(url, replay_fixed) == 0

    assert capsys.readouterr().out.splitlines() == [f"replayed {event.id} for mailer: unparked"]
    assert [one.event for one in handled] == written
    assert my_api("events", "--parked", database_url=url, cwd=tmp_path).stdout == ""


FIXED_MAILER = """
from pathlib import Path


def subscribe(handlers):
    def mailer(published):
        with Path(__file__).with_name("handled.txt").open("a") as handled:
            handled.write(f"{published.event.id}\\n")

    handlers.subscribe("item.updated", mailer, name="mailer")
"""


def with_module_path(directory: Path) -> str:
    return os.pathsep.join(filter(None, (str(directory), os.environ.get("PYTHONPATH"))))


def test_a_replay_runs_the_handler_subscribed_by_the_configured_subscriber(
    tmp_path: Path,
) -> None:
    url = migrated(tmp_path)
    (event,) = written = events(1)
    commit(url, written)
    park_all(url)
    (tmp_path / "fixed_mailer.py").write_text(FIXED_MAILER, encoding="utf-8")

    result = my_api(
        "events",
        "--replay",
        str(event.id),
        database_url=url,
        cwd=tmp_path,
        MY_API_EVENT_SUBSCRIBERS="fixed_mailer:subscribe",
        PYTHONPATH=with_module_path(tmp_path),
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"replayed {event.id} for mailer: unparked"]
    assert (tmp_path / "handled.txt").read_text(encoding="utf-8").split() == [str(event.id)]


def test_a_subscriber_that_cannot_be_imported_stops_the_command_naming_it(
    tmp_path: Path,
) -> None:
    url = migrated(tmp_path)

    result = my_api(
        "events",
        "--parked",
        database_url=url,
        cwd=tmp_path,
        MY_API_EVENT_SUBSCRIBERS="no_such_module:subscribe",
    )

    assert result.returncode == 2
    assert_no_traceback(result)
    assert "MY_API_EVENT_SUBSCRIBERS: no_such_module:subscribe: ModuleNotFoundError" in (
        result.stderr
    )


# -- relay -----------------------------------------------------------------------------


def published_sequences(db: Path) -> list[int]:
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute(
            "SELECT sequence FROM events WHERE sequence IS NOT NULL ORDER BY sequence"
        ).fetchall()
    finally:
        connection.close()
    return [int(row[0]) for row in rows]


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_the_relay_process_publishes_new_commits_and_exits_0_when_stopped(
    tmp_path: Path, stop: signal.Signals
) -> None:
    url = migrated(tmp_path)
    log = tmp_path / "relay.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(MY_API), "relay"],
            env=environment(url, MY_API_RELAY_POLL_SECONDS="0.05"),
            cwd=tmp_path,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        commit(url, events(3))
        deadline = time.monotonic() + READY_WITHIN_SECONDS
        while published_sequences(tmp_path / "app.db") != [1, 2, 3]:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"nothing published:\n{log.read_text()}"
            time.sleep(0.05)  # polling another process, bounded by the deadline

        process.send_signal(stop)

        assert process.wait(timeout=STOP_WITHIN_SECONDS) == 0, log.read_text()
        assert "Traceback" not in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_WITHIN_SECONDS)
