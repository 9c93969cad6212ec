"""The benchmark, in one run: this service against two references, same database, same data.

    python bench/run.py            # full run: 100k items, 5 x 6 s per scenario (~11 min)
    python bench/run.py --smoke    # proves the harness end to end in ~25 s

Any Python 3.11 starts it (the project's .venv, or python3): it builds
bench/.venv from bench/requirements.txt plus this project (editable), re-runs
itself there, installs wrk if missing, recreates the database, migrates it
with ``my-api migrate``, seeds it by COPY, starts the three servers (one
uvicorn worker each, pinned to core 0), checks that they answer the five
benchmarked requests alike (the filtered page with the same items in the
same order on all three), then drives them with wrk pinned to core 1:
per scenario a warm-up per server, then the repetitions interleaved across
servers so that drift on a shared machine hits all three alike. The order
scenario ends with one more run of the service alone, with a follower on its
change feed: the relay's delay under that load (bench/follower.py).
Results go to stdout and to bench-results/ (markdown and raw JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import environment
import servers
from environment import BENCH, PYTHON, ROOT, VENV

RESULTS = ROOT / "bench-results"
SERVER_CORE, LOAD_CORE = 0, 1

# name -> (title, wrk script or None, path); the request itself is in the script.
SCENARIOS = {
    "get": ("GET /items/{id}", "get.lua", "/api/v1/items/"),
    "list": ("GET /items?page=1&size=20", None, "/api/v1/items?page=1&size=20"),
    "filter": ("GET /items?price=gte.10&sort=-price&page=1&size=20", None, servers.FILTERED),
    "patch": ("PATCH /items/{id} + If-Match", "patch.lua", "/api/v1/items/"),
    "post": ("POST /items", "post.lua", "/api/v1/items"),
    "order": ("POST /orders (3 lines)", "order.lua", "/api/v1/orders"),
}
# Servers that do not implement a scenario, which they then skip: the FastAPI
# reference has no orders (its ORM models would be a second project).
SKIPS = {"order": {"fastapi"}}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny seed, 1 s runs, no warm-up")
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/my_api_bench"
    )
    parser.add_argument("--items", type=int, default=100_000, help="items seeded (default 100000)")
    parser.add_argument("--seconds", type=int, default=6, help="length of one repetition")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per server")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=18080, help="first of five ports")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--servers", default="service,bare,fastapi")
    args = parser.parse_args()
    if args.smoke:
        args.items, args.seconds, args.repetitions, args.warmup = 2_000, 1, 1, 0
    return args


def _git(*args: str) -> str:
    command = ["git", "-C", str(ROOT), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()


def _service_version() -> str:
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " + uncommitted changes" if _git("status", "--porcelain", "--", "src") else ""
    return commit + dirty


def _machine(database_version: str, service: str, load_at_start: float) -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores ({cpu}); "
        f"Linux {platform.release()}; Python {platform.python_version()}; "
        f"PostgreSQL {database_version} on the same machine, unpinned; "
        f"service at commit {service}; "
        f"1-min load average {load_at_start:.2f} at start, {os.getloadavg()[0]:.2f} at end "
        "(the benchmark itself adds about 2)"
    )


class Bench:
    """What every wrk run needs: where the data files are, which core, how long."""

    def __init__(self, args: argparse.Namespace, ids: list[str], load_core: int | None) -> None:
        import database

        self.args, self.load_core, self.database = args, load_core, database
        self.work = Path(tempfile.mkdtemp(prefix="bench-"))
        (self.work / "ids.txt").write_text("\n".join(ids) + "\n")
        # The order scenario's items: the first ORDER_POOL seeded ids, in seeding
        # order, which is random (uuid4); wrk/order.lua says why it walks them.
        self.order_pool = ids[: database.ORDER_POOL]
        (self.work / "order-items.txt").write_text("\n".join(self.order_pool) + "\n")
        self.env = {
            "BENCH_IDS_FILE": str(self.work / "ids.txt"),
            "BENCH_PATCH_FILE": str(self.work / "patch.txt"),
            "BENCH_ORDER_ITEMS_FILE": str(self.work / "order-items.txt"),
        }

    def prepare(self, scenario: str) -> None:
        """Once before a scenario: the order pool's stock, so that no order is short."""
        if scenario == "order":
            asyncio.run(self.database.stock_order_pool(self.args.database_url, self.order_pool))

    def measure(
        self,
        server: Any,
        pid: int,
        scenario: str,
        seconds: int,
        env: dict[str, str] | None = None,
    ) -> Any:
        import loadgen

        _, script, path = SCENARIOS[scenario]
        if scenario == "patch":  # fresh ETags for every run: see wrk/patch.lua
            pairs = asyncio.run(self.database.current_versions(self.args.database_url))
            Path(self.env["BENCH_PATCH_FILE"]).write_text("".join(f"{i} {v}\n" for i, v in pairs))
        return loadgen.run_wrk(
            server.base_url + path,
            seconds=seconds,
            connections=self.args.connections,
            script=BENCH / "wrk" / script if script else None,
            core=self.load_core,
            env={**self.env, **(env or {})},
            server_pid=pid,
        )

    def follow_orders(self, server: Any, pid: int, seconds: int) -> Any:
        """One more order run on ``server`` with a follower on its change feed: the relay's
        delay under that load (bench/follower.py), and the run's own req/s."""
        import follower

        log = self.work / "order-responses.txt"
        log.unlink(missing_ok=True)
        after, pending = asyncio.run(self.database.last_sequence(self.args.database_url))
        if pending:
            print(f"the relay left {pending} outbox rows unpublished after 30 s", flush=True)
        following = follower.Follower(server.base_url, after, self.load_core)
        following.start()
        try:
            sample = self.measure(server, pid, "order", seconds, {"BENCH_ORDER_LOG": str(log)})
        finally:
            following.stop()
        return follower.summarise(
            following.seen,
            follower.read_response_log(log),
            polls=following.polls,
            requests_per_second=sample.requests_per_second,
            error=following.error,
        )


def _report(
    args: argparse.Namespace,
    results: Any,
    labels: dict[str, str],
    relay: Any,
    *,
    pinned: bool,
    started: tuple[str, float],
) -> None:
    import database
    import report

    titles = {name: title for name, (title, _, _) in SCENARIOS.items()}
    machine = _machine(asyncio.run(database.server_version(args.database_url)), *started)
    setup = (
        f"{args.items:,} items; {args.repetitions} x {args.seconds} s per scenario after "
        f"{args.warmup} s warm-up per server; wrk -t1 -c{args.connections}; "
        + ("server on core 0, wrk on core 1" if pinned else "not pinned (no taskset or 1 core)")
    )
    document = (
        f"## Results ({'smoke' if args.smoke else 'full'} run)\n\n{machine}\n\n{setup}\n\n"
        f"{report.results_table(results, labels, titles)}\n\n"
        f"{report.budget_table(results, titles)}\n\n"
        f"{report.fastapi_table(results, titles)}\n"
        + (f"\n{report.relay_text(relay, args.connections)}\n" if relay is not None else "")
        + "".join(
            f"\n{titles[scenario]}: not implemented by {', '.join(sorted(skipped))}, "
            "which skipped it.\n"
            for scenario, skipped in SKIPS.items()
            if scenario in results and skipped & set(labels)
        )
    )
    print("\n" + document)
    RESULTS.mkdir(exist_ok=True)
    name = "smoke" if args.smoke else f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    (RESULTS / f"{name}.md").write_text(document)
    raw = {s: {k: [vars(x) for x in v] for k, v in by.items()} for s, by in results.items()}
    (RESULTS / f"{name}.json").write_text(
        json.dumps(
            {
                "machine": machine,
                "samples": raw,
                "relay": None if relay is None else dataclasses.asdict(relay),
            },
            indent=1,
        )
    )
    print(f"written to {RESULTS / name}.md and .json")


def main() -> int:
    args = _arguments()
    environment.enter()

    import database
    import loadgen

    started = (_service_version(), os.getloadavg()[0])
    loadgen.ensure_wrk()
    pinned = (os.cpu_count() or 1) >= 2 and shutil.which("taskset") is not None
    print(f"seeding {args.items:,} items into {args.database_url} ...", flush=True)
    asyncio.run(database.recreate(args.database_url))
    database.migrate(VENV / "bin", args.database_url)
    ids = asyncio.run(database.seed(args.database_url, args.items))
    asyncio.run(database.prepare_bare_outbox(args.database_url))
    bench = Bench(args, ids, LOAD_CORE if pinned else None)
    scenarios = args.scenarios.split(",")
    if "order" in scenarios:  # the contract check places an order too
        bench.prepare("order")

    chosen = servers.servers(args.database_url, args.port)
    chosen = [server for server in chosen if server.name in args.servers.split(",")]
    if {"service", "norelay"} <= {server.name for server in chosen}:
        print("norelay cannot run beside service: the service's relay would publish its events")
        return 2
    processes: dict[str, Any] = {}
    results: dict[str, dict[str, list[Any]]] = {}
    relay = None
    try:
        core = SERVER_CORE if pinned else None
        for server in chosen:
            process = servers.start(server, PYTHON, core)
            processes[server.name] = process  # kept at once: stopped even if the next one fails
        # Reads first: each contract check POSTs an item, which a later total would count.
        problems = servers.agreement_problems(chosen)
        problems += [p for server in chosen for p in servers.contract_problems(server, ids[0])]
        if "order" in scenarios:
            problems += [
                problem
                for server in chosen
                if server.name not in SKIPS["order"]
                for problem in servers.order_problems(server, bench.order_pool[:3])
            ]
        if problems:
            print("the servers do not answer alike:\n  " + "\n  ".join(problems))
            return 1
        for scenario in scenarios:
            running = [s for s in chosen if s.name not in SKIPS.get(scenario, set())]
            bench.prepare(scenario)
            for server in running if args.warmup else []:
                bench.measure(server, processes[server.name].pid, scenario, args.warmup)
            for repetition in range(1, args.repetitions + 1):
                for server in running:
                    pid = processes[server.name].pid
                    sample = bench.measure(server, pid, scenario, args.seconds)
                    results.setdefault(scenario, {}).setdefault(server.name, []).append(sample)
                    print(
                        f"{scenario:5} {server.name:8} #{repetition}: "
                        f"{sample.requests_per_second:9,.0f} req/s  p50 {sample.p50_ms:6.2f} ms  "
                        f"p99 {sample.p99_ms:6.2f} ms  cpu {sample.server_cpu_us:5.0f} us/req  "
                        f"non-2xx {sample.non_2xx}  socket errors {sample.socket_errors}",
                        flush=True,
                    )
            if scenario == "order" and "service" in processes:
                service = next(s for s in chosen if s.name == "service")
                relay = bench.follow_orders(service, processes["service"].pid, args.seconds)
                print(f"order    relay: {relay}", flush=True)
    finally:
        for process in processes.values():
            servers.stop(process)
    labels = {server.name: server.label for server in chosen}
    _report(args, results, labels, relay, pinned=pinned, started=started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
