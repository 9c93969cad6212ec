"""SQLite write throughput under a burst: N concurrent POSTs, in-process, one process.

Builds the service as ``my-api serve`` does (bootstrap, a fresh SQLite file
in a temporary directory), sends ``--writers`` concurrent ``POST
/api/v1/items`` through httpx's ASGI transport, ``--rounds`` times, and prints
the status counts and the writes per second of each round. In-process, so it
measures the service and SQLite, not a socket or a load generator.

Run: ``PYTHONPATH=src python3 bench/sqlite_write_burst.py [--writers 200] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx2

from my_api.bootstrap import build_container, create_app
from my_api.settings import Settings


async def burst(writers: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'burst.db'}"
        app = create_app(build_container(Settings(database_url=url, access_log=False)))
        transport = httpx2.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx2.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client,
        ):
            for round_ in range(rounds):
                started = time.perf_counter()
                answers = await asyncio.gather(
                    *(
                        client.post(
                            "/api/v1/items", json={"name": f"n{n}", "price": "1.00", "quantity": n}
                        )
                        for n in range(writers)
                    )
                )
                seconds = time.perf_counter() - started
                statuses = dict(Counter(answer.status_code for answer in answers))
                print(
                    f"round {round_ + 1}: {writers} writers, {statuses}, "
                    f"{writers / seconds:.0f} writes/s, last answer after {seconds * 1000:.0f} ms"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(burst(args.writers, args.rounds))


if __name__ == "__main__":
    main()
