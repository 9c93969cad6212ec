"""In-process cost of one request through the whole stack, and where it goes.

No network and no uvicorn: each ASGI app is called directly (its lifespan
run first) on uvloop, one request after another, against the benchmark
database. For the chosen scenario (GET by id by default; the page of 20,
the filtered and sorted page of 20, PATCH with If-Match and POST too) it
prints wall and CPU microseconds per request for

- this service (middleware, router, pipeline, unit of work, mapping, JSON);
- the bare reference app (bench/reference_bare.py) doing the same SQL;
- for GET, the floor: asyncpg pool acquire + the same fetchrow + release;

then self time per layer for both apps (cProfile, summed by package), this
service's costliest functions, and its pyinstrument call tree (wall clock;
full text and HTML written to bench-results/). CPU time leaves out waiting
for PostgreSQL, which runs in its own processes.

    python bench/profile_inprocess.py [--scenario get|list|filter|patch|post] [--requests 5000]

Uses the database bench/run.py seeded, or (``--fresh``, or when there is
none) recreates it with 100,000 items.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import itertools
import os
import pstats
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import environment
from environment import ROOT, VENV

RESULTS = ROOT / "bench-results"
ITEMS = "/api/v1/items"
WARMUP = 500
SCENARIOS = {
    "get": "GET /api/v1/items/{id}",
    "list": "GET /api/v1/items?page=1&size=20",
    "filter": "GET /api/v1/items?price=gte.10&sort=-price&page=1&size=20",
    "patch": "PATCH /api/v1/items/{id} with If-Match",
    "post": "POST /api/v1/items",
}
Client = Callable[["Exchange"], Awaitable[None]]
Stats = dict[tuple[str, int, str], tuple[int, int, float, float, Any]]

# First match wins: (text in a profiled function's file or name, layer).
LAYERS = (
    ("my_api/adapters/api/middleware", "my_api middleware (pure ASGI)"),
    ("my_api/adapters/api", "my_api HTTP edge (router, etags, json, problems)"),
    ("my_api/adapters/repositories", "my_api unit of work + SQL repository"),
    ("my_api/infrastructure", "my_api infrastructure (executor, db errors)"),
    ("my_api/shared", "my_api shared core (crud, resource, converter, io_edge)"),
    ("my_api", "my_api other (domain, core, application)"),
    ("returns/", "returns containers"),
    ("cattrs", "cattrs"),
    ("attr", "attrs"),
    ("starlette/", "starlette"),
    ("databases/", "databases"),
    ("sqlalchemy", "sqlalchemy (via databases)"),
    ("asyncpg", "asyncpg (+ waiting for PostgreSQL)"),
    ("orjson", "orjson"),
    ("uvloop", "event loop (uvloop)"),
    ("asyncio", "asyncio (stdlib)"),
    ("contextvars", "asyncio (stdlib)"),
    ("uuid", "uuid (stdlib)"),
    ("datetime", "datetime (stdlib)"),
)


def _layer(filename: str, function: str) -> str:
    where = f"{filename} {function}"
    return next((layer for needle, layer in LAYERS if needle in where), "other (stdlib, builtins)")


@dataclass(frozen=True)
class Exchange:
    """One request: what uvicorn would hand the app, minus the socket."""

    method: str
    path: str
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: bytes = b""
    query: bytes = b""


def asgi_client(app: Any) -> Client:
    """Calls ``app`` directly; any status but 200/201 stops the run."""

    async def call(exchange: Exchange) -> None:
        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": exchange.body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and message["status"] not in {200, 201}:
                raise RuntimeError(f"{exchange.method} {exchange.path}: {message['status']}")

        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": exchange.method,
            "scheme": "http",
            "path": exchange.path,
            "raw_path": exchange.path.encode(),
            "query_string": exchange.query,
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1:8000"), *exchange.headers],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        await app(scope, receive, send)

    return call


def maker(scenario: str, items: list[tuple[str, int]]) -> Callable[[int], list[Exchange]]:
    """``take(n)``: the next ``n`` requests of ``scenario``; PATCHes never repeat an item.

    Each PATCH carries the item's current ETag and sets a quantity no item
    has yet, so every one is a real write, as in bench/wrk/patch.lua.
    """
    rng = random.Random(1)  # noqa: S311 - a repeatable request order, not a secret
    unused = iter(items)
    body = b'{"name":"profiled","description":null,"price":"12.50","quantity":3}'

    def take(count: int) -> list[Exchange]:
        if scenario == "get":
            return [Exchange("GET", f"{ITEMS}/{rng.choice(items)[0]}") for _ in range(count)]
        if scenario == "list":
            return [Exchange("GET", ITEMS, query=b"page=1&size=20")] * count
        if scenario == "filter":
            query = b"price=gte.10&sort=-price&page=1&size=20"
            return [Exchange("GET", ITEMS, query=query)] * count
        if scenario == "post":
            return [
                Exchange("POST", ITEMS, ((b"content-type", b"application/json"),), body)
            ] * count
        batch = list(itertools.islice(unused, count))
        if len(batch) < count:
            raise SystemExit("not enough items for that many PATCHes: lower --requests")
        headers = [(b"content-type", b"application/merge-patch+json")]
        return [
            Exchange(
                "PATCH",
                f"{ITEMS}/{item}",
                (*headers, (b"if-match", f'"{version}"'.encode())),
                b'{"quantity":%d}' % (1_000_000 + rng.randrange(1_000_000)),
            )
            for item, version in batch
        ]

    return take


async def per_request(client: Client, exchanges: list[Exchange]) -> tuple[float, float]:
    """(wall, CPU) microseconds per request over ``exchanges``."""
    wall, cpu = time.perf_counter(), time.process_time()
    for exchange in exchanges:
        await client(exchange)
    return (
        (time.perf_counter() - wall) / len(exchanges) * 1e6,
        (time.process_time() - cpu) / len(exchanges) * 1e6,
    )


async def live_items(url: str, *, fresh: bool) -> list[tuple[str, int]]:
    """(id, version) of the live items; a new database of 100,000 when asked or when none."""
    import asyncpg
    import database

    found = []
    if not fresh:
        missing = (asyncpg.InvalidCatalogNameError, asyncpg.UndefinedTableError)
        with contextlib.suppress(*missing):
            found = await database.current_versions(url)
    if found:
        return found
    await database.recreate(url)
    database.migrate(VENV / "bin", url)
    return [(item, 1) for item in await database.seed(url, 100_000)]


async def measured(app: Any, take: Callable[[int], list[Exchange]], count: int) -> Any:
    """(wall, CPU) us/request over ``count`` requests, after a warm-up."""
    client = asgi_client(app)
    async with app.router.lifespan_context(app):
        await per_request(client, take(WARMUP))
        return await per_request(client, take(count))


async def timings(
    url: str, apps: dict[str, Any], take: Callable[[int], list[Exchange]], args: Any
) -> dict[str, tuple[float, float]]:
    import asyncpg
    import reference_bare

    found = {
        "this service, full stack": await measured(apps["service"], take, args.requests),
        "bare reference app": await measured(apps["bare"], take, args.requests),
    }
    if args.scenario == "get" and not args.stub_database:
        pool = asyncpg.create_pool(url, min_size=1, max_size=10, reset=reference_bare.no_reset)
        async with pool:

            async def floor(exchange: Exchange) -> None:
                async with pool.acquire() as connection:
                    await connection.fetchrow(reference_bare.SELECT, exchange.path[-36:])

            await per_request(floor, take(WARMUP))
            found["floor: asyncpg acquire + fetchrow + release"] = await per_request(
                floor, take(args.requests)
            )
    return found


async def cprofile(app: Any, take: Callable[[int], list[Exchange]], count: int) -> Stats:
    """Self time per function over ``count`` requests (after a warm-up), from cProfile.

    A coroutine is charged only while it runs, except that asyncpg's Cython
    coroutines hide their suspension: its frames also carry the wait for
    PostgreSQL. Everything else adds up to CPU time plus cProfile's per-call cost.
    """
    client = asgi_client(app)
    async with app.router.lifespan_context(app):
        await per_request(client, take(WARMUP))
        exchanges = take(count)
        profile = cProfile.Profile()
        profile.enable()
        for exchange in exchanges:
            await client(exchange)
        profile.disable()
    return pstats.Stats(profile).stats  # type: ignore[attr-defined,no-any-return]


async def sampled(app: Any, take: Callable[[int], list[Exchange]], count: int) -> Any:
    """A pyinstrument (sampling, wall clock) profile of ``count`` requests."""
    from pyinstrument import Profiler

    client = asgi_client(app)
    async with app.router.lifespan_context(app):
        await per_request(client, take(WARMUP))
        exchanges = take(count)
        sampler = Profiler(interval=0.0002, async_mode="disabled")
        with sampler:
            await per_request(client, exchanges)
    return sampler


def by_layer(stats: Stats, count: int) -> dict[str, float]:
    """Microseconds of self time per request, per layer."""
    layers: dict[str, float] = defaultdict(float)
    for (filename, _, function), (_, _, self_time, _, _) in stats.items():
        layers[_layer(filename, function)] += self_time / count * 1e6
    return layers


def report(
    found: dict[str, tuple[float, float]], stats: dict[str, Stats], sampler: Any, args: Any
) -> None:
    count = args.requests
    title = f"{SCENARIOS[args.scenario]}: {count} sequential requests after {WARMUP} warm-up"
    if args.stub_database:
        title += ", database stubbed (bench/stub_database.py)"
    lines = [f"# In-process {title}\n"]
    lines += ["| path | wall us/request | CPU us/request |", "|---|--:|--:|"]
    lines += [f"| {name} | {wall:,.0f} | {cpu:,.0f} |" for name, (wall, cpu) in found.items()]
    service, bare = found["this service, full stack"], found["bare reference app"]
    extra = (service[0] - bare[0], service[1] - bare[1])
    lines.append(f"| this service minus bare app | {extra[0]:,.0f} | {extra[1]:,.0f} |")

    ours, floor = by_layer(stats["service"], count), by_layer(stats["bare"], count)
    lines += [
        "\n## Self time by layer, us/request (cProfile; its per-call cost inflates Python)\n",
        "| layer | this service | bare app | difference |",
        "|---|--:|--:|--:|",
    ]
    for layer in sorted(ours.keys() | floor.keys(), key=lambda name: -ours.get(name, 0.0)):
        mine, theirs = ours.get(layer, 0.0), floor.get(layer, 0.0)
        lines.append(f"| {layer} | {mine:,.1f} | {theirs:,.1f} | {mine - theirs:+,.1f} |")
    lines.append(
        f"| total | {sum(ours.values()):,.1f} | {sum(floor.values()):,.1f} "
        f"| {sum(ours.values()) - sum(floor.values()):+,.1f} |"
    )

    lines += ["\n## This service: top functions by self time\n", "| function | us/request |"]
    lines.append("|---|--:|")
    ranked = sorted(stats["service"].items(), key=lambda item: -item[1][2])
    for (filename, line, function), (_, _, self_time, _, _) in ranked[: args.top]:
        where = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        label = f"{where}:{line} {function}" if filename != "~" else function
        lines.append(f"| `{label}` | {self_time / count * 1e6:.1f} |")

    RESULTS.mkdir(exist_ok=True)
    tree = sampler.output_text(unicode=True, color=False, show_all=False)
    (RESULTS / f"profile-{args.scenario}.txt").write_text(tree)
    (RESULTS / f"profile-{args.scenario}.html").write_text(sampler.output_html())
    lines += [
        "\n## This service: pyinstrument call tree, wall clock (full: bench-results/)\n",
        "```",
        *tree[tree.index("Profile at") :].splitlines()[: args.tree_lines],
        "```",
    ]
    print("\n".join(lines))


def stubbed(bare: Any, settings: Any) -> tuple[Any, Any]:
    """Both apps on ``stub_database``: the service through its own unit of work
    (its container's ``Connections`` rebound), bare through its module-level pool.
    """
    import reference_bare
    from stub_database import StubPool, stubbed_connections

    from my_api.bootstrap import build_container, create_app

    container = build_container(settings).clone()  # a clone may redefine a binding
    stubbed_connections(container)
    bare_lifespan = bare.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: Any) -> Any:
        async with bare_lifespan(app):
            reference_bare.pool = StubPool()  # type: ignore[assignment]  # duck-typed: acquire() only
            yield

    bare.router.lifespan_context = lifespan
    return create_app(container), bare


async def main(args: argparse.Namespace) -> None:
    from reference_bare import app as bare

    from my_api.bootstrap import build_container, create_app
    from my_api.settings import LogLevel, Settings

    url = args.database_url
    os.environ["BENCH_DATABASE_URL"] = url  # read by reference_bare's lifespan
    items = await live_items(url, fresh=args.fresh)
    if args.stub_database:
        # Any ids will do, and every stubbed row is at version 1: one fresh item per
        # PATCH across all five passes (timings and profiles of both apps).
        needed = 5 * (WARMUP + args.requests)
        items = [(str(uuid.uuid4()), 1) for _ in range(needed)]
    take = maker(args.scenario, items)
    settings = Settings(database_url=url, access_log=False, log_level=LogLevel.WARNING)
    if args.stub_database:
        service, bare = stubbed(bare, settings)
    else:
        service = create_app(build_container(settings))
    apps = {"service": service, "bare": bare}
    found = await timings(url, apps, take, args)
    stats = {name: await cprofile(app, take, args.requests) for name, app in apps.items()}
    report(found, stats, await sampled(apps["service"], take, args.requests), args)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/my_api_bench"
    )
    parser.add_argument("--scenario", choices=SCENARIOS, default="get")
    parser.add_argument("--fresh", action="store_true", help="recreate and seed the database")
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument(
        "--stub-database",
        action="store_true",
        help="both apps on bench/stub_database.py: their own Python cost only",
    )
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    parser.add_argument("--tree-lines", type=int, default=70, help="call tree lines printed")
    return parser.parse_args()


if __name__ == "__main__":
    arguments = _arguments()
    environment.enter()
    import uvloop

    uvloop.run(main(arguments))
