"""``my-api serve`` at the socket: the limits a hostile or broken client meets.

A real process on a free port, spoken to with raw sockets where a client
library would refuse to misbehave. Reads are bounded by socket timeouts so a
regression fails instead of hanging; nothing asserts on durations.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx2
import orjson
import pytest

from tests.e2e.test_cli import (
    MY_API,
    STOP_WITHIN_SECONDS,
    environment,
    free_port,
    sqlite_url,
    wait_until_live,
)

READ_WITHIN_SECONDS = 20.0


@contextmanager
def served(
    database_url: str, cwd: Path, **settings: str
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    log = cwd / "serve.log"
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(MY_API), "serve", "--port", str(port)],
            env=environment(database_url, **settings),
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        with httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            wait_until_live(client, process, log)
        yield process, port
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_WITHIN_SECONDS)


def exchange(port: int, *parts: bytes) -> bytes:
    """Send ``parts`` and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=READ_WITHIN_SECONDS) as conn:
        for part in parts:
            try:
                conn.sendall(part)
            except (BrokenPipeError, ConnectionResetError):
                break  # the server stopped listening: read what it said
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    return received


def status_and_problem(response: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = response.partition(b"\r\n\r\n")
    assert b"application/problem+json" in head, head
    return int(head.split(b" ", 2)[1]), orjson.loads(body)


def test_a_request_head_over_the_limit_is_answered_431_with_a_problem(tmp_path: Path) -> None:
    with served(sqlite_url(tmp_path / "app.db"), tmp_path, MY_API_MAX_HEADER_BYTES="4096") as (
        _,
        port,
    ):
        # Just past the limit, and no more: the server reads all of it before it answers
        # (unread bytes at close would reset the connection and lose the answer).
        big = b"GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 8 * 1024
        status, problem = status_and_problem(exchange(port, big))
    assert status == 431
    assert problem["status"] == 431


def test_a_request_head_that_never_completes_is_answered_408(tmp_path: Path) -> None:
    with served(
        sqlite_url(tmp_path / "app.db"), tmp_path, MY_API_KEEP_ALIVE_TIMEOUT_SECONDS="1"
    ) as (_, port):
        status, problem = status_and_problem(exchange(port, b"GET /health/live HTTP/1.1\r\nHo"))
    assert (status, problem["status"]) == (408, 408)


def test_a_body_that_stops_arriving_is_answered_408_and_the_connection_closed(
    tmp_path: Path,
) -> None:
    with served(sqlite_url(tmp_path / "app.db"), tmp_path, MY_API_BODY_TIMEOUT_SECONDS="0.5") as (
        _,
        port,
    ):
        head = (
            b"POST /api/v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
        )
        status, problem = status_and_problem(exchange(port, head, b'{"name": "La'))
    assert (status, problem["status"]) == (408, 408)


def test_the_server_does_not_announce_itself(tmp_path: Path) -> None:
    with (
        served(sqlite_url(tmp_path / "app.db"), tmp_path) as (_, port),
        httpx2.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client,
    ):
        answer = client.get("/health/live")
    assert answer.status_code == 200
    assert "server" not in answer.headers


@pytest.mark.postgres
def test_sigterm_cancels_a_stuck_request_after_the_deadline_rolls_it_back_and_exits_0(
    migrated_postgres: str, tmp_path: Path
) -> None:
    asyncio.run(_stuck_request_then_sigterm(migrated_postgres, tmp_path))


async def _stuck_request_then_sigterm(url: str, tmp_path: Path) -> None:
    holder = await asyncpg.connect(url)
    name = f"Stuck {tmp_path.name}"
    try:
        with served(
            url,
            tmp_path,
            MY_API_SHUTDOWN_TIMEOUT_SECONDS="1",
            MY_API_DB_LOCK_TIMEOUT_SECONDS="600",
            MY_API_DB_STATEMENT_TIMEOUT_SECONDS="600",
        ) as (process, port):
            transaction = holder.transaction()
            await transaction.start()
            await holder.execute("LOCK TABLE items IN SHARE MODE")  # blocks writes only
            outcome: list[object] = []
            writer = threading.Thread(target=_post, args=(port, name, outcome))
            writer.start()
            await _until_a_lock_is_awaited(holder)
            process.send_signal(signal.SIGTERM)
            exit_status = await asyncio.to_thread(process.wait, STOP_WITHIN_SECONDS)
            writer.join(READ_WITHIN_SECONDS)
            await transaction.rollback()
        assert exit_status == 0, (tmp_path / "serve.log").read_text()
        # The client is told nothing was done: the connection closes, or a 5xx.
        (answered,) = outcome
        assert not isinstance(answered, int) or answered >= 500, outcome
        written = await holder.fetchval("SELECT count(*) FROM items WHERE name = $1", name)
        assert written == 0
    finally:
        await holder.close()


def _post(port: int, name: str, outcome: list[object]) -> None:
    try:
        with httpx2.Client(timeout=READ_WITHIN_SECONDS) as client:
            answer = client.post(
                f"http://127.0.0.1:{port}/api/v1/items",
                json={"name": name, "price": "1.00", "quantity": 1},
            )
        outcome.append(answer.status_code)
    except httpx2.TransportError as error:  # the server closed the connection
        outcome.append(error)


async def _until_a_lock_is_awaited(connection: asyncpg.Connection[asyncpg.Record]) -> None:
    for _ in range(400):  # bounded: 400 looks, 50 ms apart
        if await connection.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted"):
            return
        await asyncio.sleep(0.05)
    pytest.fail("the request never waited for the lock")
