"""The servers under test (three by default): how each starts, and that they agree."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ITEM_FIELDS = {
    "id",
    "name",
    "description",
    "price",
    "quantity",
    "created_at",
    "updated_at",
    "version",
}
ORDER_FIELDS = {
    "id",
    "status",
    "lines",
    "total",
    "note",
    "created_at",
    "updated_at",
    "version",
}
LINE_FIELDS = {"item_id", "quantity", "unit_price"}
PAGE_FIELDS = {"items", "total", "page", "size", "pages", "has_next", "has_previous"}
ENVELOPE_FIELDS = {"data", "request_id", "timestamp"}
_PRICE = re.compile(r"\d+\.\d\d")
# The filtered, sorted page (offset mode, so with a total): the query language's
# filter and sort, which the references implement for just this form.
FILTERED = "/api/v1/items?price=gte.10&sort=-price&page=1&size=20"
FLOOR = Decimal(10)


@dataclass(frozen=True)
class Server:
    name: str
    label: str
    app: str
    port: int
    factory: bool = False
    env: dict[str, str] = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def servers(database_url: str, first_port: int) -> list[Server]:
    service_env = {
        "MY_API_DATABASE_URL": database_url,
        "MY_API_ACCESS_LOG": "false",
        "MY_API_LOG_LEVEL": "WARNING",
    }
    return [
        Server(
            "service",
            "this service (my_api)",
            "my_api.app:served_app_from_environment",
            first_port,
            factory=True,
            env=service_env,
        ),
        Server(
            "bare",
            "bare Starlette + asyncpg",
            "reference_bare:app",
            first_port + 1,
            env={"BENCH_DATABASE_URL": database_url},
        ),
        Server(
            "fastapi",
            "FastAPI + SQLAlchemy ORM + Pydantic",
            "reference_fastapi:app",
            first_port + 2,
            env={"BENCH_DATABASE_URL": database_url},
        ),
        # Not run by default (--servers ...,nodb): what `databases` costs, measured.
        Server(
            "nodb",
            "this service, `databases` replaced by an asyncpg pool",
            "service_without_databases:app",
            first_port + 3,
            factory=True,
            env=service_env,
        ),
        # Not run by default, and never beside "service" (whose relay would number its
        # outbox rows): the service with its relay off, so that its events stay
        # unpublished as bare's do; the difference to "service" is the relay's cost.
        Server(
            "norelay",
            "this service, relay off",
            "my_api.app:served_app_from_environment",
            first_port + 4,
            factory=True,
            env={**service_env, "MY_API_RELAY": "false"},
        ),
    ]


def start(server: Server, python: Path, core: int | None) -> subprocess.Popen[bytes]:
    """One uvicorn worker with the production options: uvloop, httptools, no access log."""
    command = [str(python), "-m", "uvicorn", server.app, *(["--factory"] if server.factory else [])]
    command += ["--host", "127.0.0.1", "--port", str(server.port), "--workers", "1"]
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log"]
    command += ["--log-level", "warning", "--app-dir", str(BENCH)]
    if core is not None:
        command = ["taskset", "-c", str(core), *command]
    process = subprocess.Popen(command, env={**os.environ, **server.env})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{server.name} exited with {process.returncode} at start-up")
        try:
            _call("GET", server.base_url + "/api/v1/items?page=1&size=1")
        except OSError:
            time.sleep(0.1)
        else:
            return process
    process.terminate()
    raise RuntimeError(f"{server.name} did not answer within 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _call(
    method: str, url: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data, headers or {}, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            status, got, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, got, raw = error.code, error.headers, error.read()
    lowered = {name.lower(): value for name, value in got.items()}
    try:
        return status, lowered, json.loads(raw) if raw else None
    except ValueError:  # a crashed server's text: shown in the problem, not raised
        return status, lowered, raw.decode(errors="replace")


def agreement_problems(chosen: list[Server]) -> list[str]:
    """Whether the servers answer the filtered page with the same items in the same
    order and the same total (same seeded database); call it before anything writes."""
    pages: dict[str, tuple[list[str], Any]] = {}
    problems: list[str] = []
    for server in chosen:
        status, _, got = _call("GET", server.base_url + FILTERED)
        if status == 200 and isinstance(got, dict) and "items" in got:
            pages[server.name] = ([item["id"] for item in got["items"]], got.get("total"))
        else:
            problems.append(f"{server.name}: filtered list is not 200")
    names = list(pages)
    problems += [
        f"{name}: filtered list differs from {names[0]}'s (ids in order, total)"
        for name in names[1:]
        if pages[name] != pages[names[0]]
    ]
    return problems


def contract_problems(server: Server, item_id: str) -> list[str]:
    """What ``server`` gets wrong of the five benchmarked exchanges (empty when nothing)."""
    base = server.base_url + "/api/v1/items"
    problems: list[str] = []

    def expect(what: str, *, ok: bool) -> None:
        if not ok:
            problems.append(f"{server.name}: {what}")

    status, headers, got = _call("GET", f"{base}/{item_id}")
    expect("GET by id is not 200", ok=status == 200)
    expect("GET by id: envelope keys differ", ok=set(got) == ENVELOPE_FIELDS)
    expect("GET by id: item keys differ", ok=set(got["data"]) == ITEM_FIELDS)
    price = got["data"]["price"]
    expect("GET by id: price is not a 2-decimal string", ok=bool(_PRICE.fullmatch(price)))
    expect("GET by id: ETag differs", ok=headers.get("etag") == f'"{got["data"]["version"]}"')

    status, _, got = _call("GET", f"{base}?page=1&size=20")
    expect("list is not 200", ok=status == 200)
    expect("list: page keys differ", ok=set(got) == PAGE_FIELDS)
    expect("list: not 20 items", ok=len(got["items"]) == 20)

    status, _, got = _call("GET", server.base_url + FILTERED)
    expect("filtered list is not 200", ok=status == 200)
    expect("filtered list: page keys differ", ok=set(got) == PAGE_FIELDS)
    expect("filtered list: not 20 items", ok=len(got["items"]) == 20)
    prices = [Decimal(item["price"]) for item in got["items"]]
    expect("filtered list: a price below 10", ok=all(price >= FLOOR for price in prices))
    expect("filtered list: prices not descending", ok=prices == sorted(prices, reverse=True))
    expect("filtered list: total not above 20", ok=got["total"] > 20)

    body = {"name": "contract", "price": "12.50", "quantity": 3}
    status, headers, got = _call("POST", base, body, {"Content-Type": "application/json"})
    expect("POST is not 201", ok=status == 201)
    expect("POST: no Location", ok="location" in headers)
    expect("POST: ETag is not version 1", ok=headers.get("etag") == '"1"')
    created = got["data"]["id"]

    patch = {"Content-Type": "application/merge-patch+json", "If-Match": '"1"'}
    status, headers, got = _call("PATCH", f"{base}/{created}", {"quantity": 7}, patch)
    expect("PATCH with a fresh If-Match is not 200", ok=status == 200)
    expect("PATCH: ETag is not version 2", ok=headers.get("etag") == '"2"')
    expect("PATCH: quantity not applied", ok=got["data"]["quantity"] == 7)
    status, _, _ = _call("PATCH", f"{base}/{created}", {"quantity": 8}, patch)
    expect("PATCH with a stale If-Match is not 412", ok=status == 412)
    return problems


def order_problems(server: Server, item_ids: list[str]) -> list[str]:
    """What ``server`` gets wrong placing an order of one unit of each of ``item_ids``
    (empty when nothing): the answer's shape, and the stock and version of each item."""
    base = server.base_url + "/api/v1"
    problems: list[str] = []

    def expect(what: str, *, ok: bool) -> None:
        if not ok:
            problems.append(f"{server.name}: order: {what}")

    before = [_call("GET", f"{base}/items/{item_id}")[2]["data"] for item_id in item_ids]
    body = {"lines": [{"item_id": item_id, "quantity": 1} for item_id in item_ids]}
    status, headers, got = _call(
        "POST", f"{base}/orders", body, {"Content-Type": "application/json"}
    )
    expect(f"POST is not 201 but {status}: {got}", ok=status == 201)
    if status != 201:
        return problems
    order = got["data"]
    expect("no Location naming the order", ok=headers.get("location", "").endswith(order["id"]))
    expect("ETag is not version 1", ok=headers.get("etag") == '"1"')
    expect("envelope keys differ", ok=set(got) == ENVELOPE_FIELDS)
    expect("order keys differ", ok=set(order) == ORDER_FIELDS)
    expect("status is not placed", ok=order["status"] == "placed")
    lines = order["lines"]
    expect("lines differ", ok=[line["item_id"] for line in lines] == item_ids)
    expect("line keys differ", ok=all(set(line) == LINE_FIELDS for line in lines))
    prices = [item["price"] for item in before]
    expect("unit prices are not the items'", ok=[line["unit_price"] for line in lines] == prices)
    total = sum((Decimal(price) for price in prices), Decimal("0.00"))
    expect("total is not the lines' sum", ok=order["total"] == str(total))
    after = [_call("GET", f"{base}/items/{item_id}")[2]["data"] for item_id in item_ids]
    expect(
        "an item did not lose one unit",
        ok=[item["quantity"] for item in after] == [item["quantity"] - 1 for item in before],
    )
    expect(
        "an item's version did not go up by one",
        ok=[item["version"] for item in after] == [item["version"] + 1 for item in before],
    )
    return problems
