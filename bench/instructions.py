"""Instructions per request, in process: a measure that machine noise cannot move.

Wall clock and CPU time on this shared two-core machine drift by tens of percent
between runs; the number of instructions the interpreter executes does not.
Run under callgrind twice, with N requests and with none, on the database that
``bench/run.py`` seeded; the difference divided by N is the cost of one request
(the server's Python, asyncpg and the driver's work; PostgreSQL is another process):

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        bench/.venv/bin/python bench/instructions.py get 0
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        bench/.venv/bin/python bench/instructions.py get 1000

``get`` is GET /api/v1/items/{id}; ``post`` is POST /api/v1/items. A third
argument ``norelay`` runs the service with its event relay off, to tell the
request's own cost from the relay's work after it. Each run prints valgrind's
``Collected`` line. The imports fall back to the layout before
the redesign (commit ec94a49) so that the same script measures both.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import asyncpg
import attrs

try:
    from my_api.bootstrap import build_container, create_app
    from my_api.settings import LogLevel, Settings
except ImportError:  # the layout before the redesign
    from my_api.adapters.api.app import create_app
    from my_api.core.container import build_container
    from my_api.core.settings import LogLevel, Settings

URL = "postgresql://postgres@127.0.0.1:5432/my_api_bench"
WARMUP = 50


BODY = b'{"name": "Desk lamp", "price": "12.50", "quantity": 3}'


async def main(scenario: str, requests: int, *, relay: bool) -> None:
    connection = await asyncpg.connect(URL)
    rows = await connection.fetch("SELECT id FROM items WHERE deleted_at IS NULL LIMIT 500")
    ids = [str(row[0]) for row in rows]
    await connection.close()
    settings = Settings(database_url=URL, access_log=False, log_level=LogLevel.WARNING)
    if not relay:
        settings = attrs.evolve(settings, relay=False)
    app = create_app(build_container(settings))
    async with app.router.lifespan_context(app):
        for number in range(WARMUP + requests):
            if scenario == "get":
                await call(app, "GET", f"/api/v1/items/{ids[number % len(ids)]}", b"", 200)
            else:
                await call(app, "POST", "/api/v1/items", BODY, 201)


async def call(app: Any, method: str, path: str, body: bytes, expected: int) -> None:
    headers = [(b"host", b"test")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "root_path": "",
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    statuses: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    if statuses != [expected]:
        raise RuntimeError(f"{path}: {statuses}")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), relay=sys.argv[3:] != ["norelay"]))
