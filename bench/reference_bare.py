"""Bare reference: Starlette + asyncpg, the service's SQL written out by hand.

The floor for per-request cost in Python: no DI, no pipelines, no entity
mapping, no middleware; one pooled connection per request, one orjson pass.
It runs the very statements the service runs (same text, same round trips,
transactions where the service has them), so a ratio to it measures what the
service's Python costs. A benchmark fixture only: the service never imports it.
POST /api/v1/orders writes its outbox rows to ``bare_events``, a twin of
``events`` that no relay reads (``bench/database.py``, ``prepare_bare_outbox``).

Run: ``BENCH_DATABASE_URL=postgresql://... uvicorn reference_bare:app``
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import asyncpg
import orjson
import uuid6
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

COLUMNS = "id, name, description, price, quantity, created_at, updated_at, version, deleted_at"
SELECT = f"SELECT {COLUMNS} FROM items WHERE id = $1 AND deleted_at IS NULL"
# The list statements, as the service builds them (sql_statements.list_query and
# count_query, shared/sorting.py's ORDER BY with id as tie-breaker): keyed by
# (whether ``price=gte.X`` is given, ``sort``). Only this form of the query
# language is implemented: a price floor and a sort by price either way.
ORDERS = {None: "id ASC", "price": "price ASC, id ASC", "-price": "price DESC, id DESC"}
PAGE = {
    (False, sort): f"SELECT {COLUMNS} FROM items WHERE deleted_at IS NULL "
    f"ORDER BY {order} LIMIT $1 OFFSET $2"
    for sort, order in ORDERS.items()
} | {
    (True, sort): f"SELECT {COLUMNS} FROM items WHERE deleted_at IS NULL AND price >= $1 "
    f"ORDER BY {order} LIMIT $2 OFFSET $3"
    for sort, order in ORDERS.items()
}
COUNT = {
    False: "SELECT count(*) FROM items WHERE deleted_at IS NULL",
    True: "SELECT count(*) FROM items WHERE deleted_at IS NULL AND price >= $1",
}
INSERT = (
    "INSERT INTO items (id, name, description, price, quantity, created_at, updated_at, "
    "version, deleted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
)
UPDATE = (
    "UPDATE items SET name = $2, description = $3, price = $4, quantity = $5, "
    "created_at = $6, updated_at = $7, version = $8, deleted_at = $9 "
    "WHERE id = $1 AND version = $10 AND deleted_at IS NULL RETURNING id"
)
FIELDS = ("name", "description", "price", "quantity")
CENT = Decimal("0.01")
# Placing an order, as the service does it (application/orders.py): claim (lock) each
# line's item in item_id order, then update each (quantity down, version + 1, compare-
# and-set), insert the order, insert the outbox rows in one statement; one transaction.
CLAIM = f"{SELECT} FOR UPDATE"
ORDER_COLUMNS = "id, status, lines, total, note, created_at, updated_at, version, deleted_at"
INSERT_ORDER = f"INSERT INTO orders ({ORDER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
EVENT_COLUMNS = "id, type, collection, aggregate_id, aggregate_version, time, data"
EVENT_WIDTH = len(EVENT_COLUMNS.split(", "))
ORDER_FIELDS = {"lines", "note"}
LINE_FIELDS = {"item_id", "quantity"}
MAX_LINES, MAX_LINE_QUANTITY, MAX_NOTE = 50, 10_000, 500

pool: asyncpg.Pool[Any]


def _json(document: Any, status: int = 200, **headers: str) -> Response:
    # orjson writes UUIDs and datetimes natively; asyncpg's UUID type goes through str.
    content = orjson.dumps(document, default=str, option=orjson.OPT_UTC_Z)
    return Response(content, status, headers, "application/json")


def _problem(status: int, title: str) -> Response:
    return Response(
        orjson.dumps({"status": status, "title": title}), status, None, "application/problem+json"
    )


def _view(row: Any) -> dict[str, Any]:
    item = dict(row)
    del item["deleted_at"]
    item["price"] = str(item["price"])
    return item


def _envelope(row: Any, status: int = 200, **headers: str) -> Response:
    document = {"data": _view(row), "request_id": uuid.uuid4().hex, "timestamp": datetime.now(UTC)}
    return _json(document, status, ETag=f'"{row["version"]}"', **headers)


def _valid(body: dict[str, Any]) -> dict[str, Any] | None:
    """The same field rules as the service, written inline; None when anything is wrong."""
    name, description, quantity = body.get("name"), body.get("description"), body.get("quantity")
    try:
        price = Decimal(str(body.get("price")))
    except InvalidOperation:
        return None
    ok = (
        set(body) <= set(FIELDS)
        and isinstance(name, str)
        and 1 <= len(name) <= 255
        and (description is None or (isinstance(description, str) and len(description) <= 1000))
        and type(quantity) is int
        and 0 <= quantity < 2**31
        and price.is_finite()
        and 0 < price < 10**10
        and price == price.quantize(CENT)
    )
    return {**body, "price": price, "description": description} if ok else None


async def get_item(request: Request) -> Response:
    try:
        item_id = uuid.UUID(request.path_params["id"])
    except ValueError:
        return _problem(404, "Not Found")
    async with pool.acquire() as connection:
        row = await connection.fetchrow(SELECT, item_id)
    if row is None:
        return _problem(404, "Not Found")
    if request.headers.get("if-none-match") == f'"{row["version"]}"':
        return Response(status_code=304, headers={"ETag": f'"{row["version"]}"'})
    return _envelope(row)


def _price_floor(value: str | None) -> tuple[Decimal, ...] | None:
    """``price=gte.X`` as the statements' first parameter: () if absent, None if malformed."""
    if value is None:
        return ()
    operator, _, number = value.partition(".")
    try:
        floor = Decimal(number)
    except InvalidOperation:
        return None
    return (floor,) if operator == "gte" and floor.is_finite() else None


async def list_items(request: Request) -> Response:
    query = request.query_params
    try:
        page = int(query.get("page", "1"))
        size = int(query.get("size", "20"))
    except ValueError:
        return _problem(400, "Bad Request")
    sort, filters = query.get("sort"), _price_floor(query.get("price"))
    if page < 1 or not 1 <= size <= 100 or sort not in ORDERS or filters is None:
        return _problem(400, "Bad Request")
    # One snapshot, so that the total agrees with the items, as the service does.
    async with (
        pool.acquire() as connection,
        connection.transaction(isolation="repeatable_read", readonly=True),
    ):
        total = await connection.fetchval(COUNT[bool(filters)], *filters)
        rows = await connection.fetch(PAGE[bool(filters), sort], *filters, size, (page - 1) * size)
    pages = -(-total // size)
    return _json(
        {
            "items": [_view(row) for row in rows],
            "total": total,
            "page": page,
            "size": size,
            "pages": pages,
            "has_next": page < pages,
            "has_previous": page > 1,
        }
    )


async def _body(request: Request) -> Any:
    try:
        return orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        return None


async def create_item(request: Request) -> Response:
    body = await _body(request)
    fields = _valid(body) if isinstance(body, dict) else None
    if fields is None:
        return _problem(422, "Unprocessable Content")
    now = datetime.now(UTC)
    row = {"id": uuid.uuid4(), **dict.fromkeys(FIELDS), **fields}
    row |= {"created_at": now, "updated_at": now, "version": 1, "deleted_at": None}
    created = _event("item.created", "items", row["id"], 1, now, _view(row))
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(INSERT, *row.values())
        await connection.execute(INSERT_EVENTS[1], *created)
    return _envelope(row, 201, Location=f"/api/v1/items/{row['id']}")


async def patch_item(request: Request) -> Response:  # noqa: PLR0911 - one per outcome
    try:
        item_id = uuid.UUID(request.path_params["id"])
    except ValueError:
        return _problem(404, "Not Found")
    if_match = request.headers.get("if-match")
    patch = await _body(request)
    if not isinstance(patch, dict):
        return _problem(400, "Bad Request")
    async with pool.acquire() as connection, connection.transaction():
        row = await connection.fetchrow(SELECT, item_id)
        if row is None:
            return _problem(404, "Not Found")
        if if_match not in (None, "*", f'"{row["version"]}"'):
            return _problem(412, "Precondition Failed")
        current = {name: row[name] for name in FIELDS}
        merged = _valid({**current, **patch})
        if merged is None:
            return _problem(422, "Unprocessable Content")
        if merged == current:
            return _envelope(row)
        new = {
            **dict(row),
            **merged,
            "updated_at": datetime.now(UTC),
            "version": row["version"] + 1,
        }
        if await connection.fetchval(UPDATE, *new.values(), row["version"]) is None:
            return _problem(412, "Precondition Failed")
        updated = _event(
            "item.updated", "items", item_id, new["version"], new["updated_at"], _view(new)
        )
        await connection.execute(INSERT_EVENTS[1], *updated)
    return _envelope(new)


def _insert_events(rows: int) -> str:
    """The multi-row outbox INSERT the service sends (adapters/sql/outbox.py), into the
    ``bare_events`` twin of ``events`` (bench/database.py says why)."""
    values = ", ".join(
        "(" + ", ".join(f"${row * EVENT_WIDTH + column + 1}" for column in range(EVENT_WIDTH)) + ")"
        for row in range(rows)
    )
    return f"INSERT INTO bare_events ({EVENT_COLUMNS}) VALUES {values}"


INSERT_EVENTS = {rows: _insert_events(rows) for rows in range(1, MAX_LINES + 2)}


def _new_id() -> uuid.UUID:
    """Time-ordered, as the service's ids (UUIDv7), so the indexes see the same inserts."""
    return uuid.UUID(bytes=uuid6.uuid7().bytes)


def _order_line(line: Any) -> tuple[uuid.UUID, int] | None:
    """One line's (item id, quantity) if valid."""
    if not isinstance(line, dict) or set(line) != LINE_FIELDS:
        return None
    quantity, item_id = line["quantity"], line["item_id"]
    if type(quantity) is not int or not 1 <= quantity <= MAX_LINE_QUANTITY:
        return None
    try:
        return uuid.UUID(item_id), quantity
    except (TypeError, ValueError, AttributeError):
        return None


def _order_lines(body: Any) -> tuple[list[tuple[uuid.UUID, int]], str | None] | None:
    """The lines (item id, quantity) and note of a valid POST /orders body; None if invalid."""
    if not isinstance(body, dict) or not set(body) <= ORDER_FIELDS:
        return None
    lines, note = body.get("lines"), body.get("note")
    parsed = [_order_line(line) for line in lines] if isinstance(lines, list) else []
    valid = [line for line in parsed if line is not None]
    ok = (
        1 <= len(parsed) <= MAX_LINES
        and len(valid) == len(parsed)
        and len({item_id for item_id, _ in valid}) == len(valid)
        and (note is None or (isinstance(note, str) and len(note) <= MAX_NOTE))
    )
    return (valid, note) if ok else None


class _Refused(Exception):
    """Raised inside the transaction to roll it back and answer ``response``."""

    def __init__(self, response: Response) -> None:
        self.response = response


def _event(
    event_type: str, collection: str, aggregate_id: Any, version: int, at: datetime, data: Any
) -> list[Any]:
    text = orjson.dumps(data, default=str, option=orjson.OPT_UTC_Z).decode()
    return [_new_id(), event_type, collection, aggregate_id, version, at, text]


async def _claimed(connection: Any, wanted: dict[uuid.UUID, int]) -> list[Any]:
    """Every line's item, locked in item_id order; refused if one is missing or short."""
    claimed = []
    for item_id in sorted(wanted):
        row = await connection.fetchrow(CLAIM, item_id)
        if row is None:
            raise _Refused(_problem(422, "Unprocessable Content"))
        claimed.append(row)
    if any(row["quantity"] < wanted[row["id"]] for row in claimed):
        raise _Refused(_problem(409, "Conflict"))
    return claimed


async def _placed(
    connection: Any, lines: list[tuple[uuid.UUID, int]], note: str | None, now: datetime
) -> dict[str, Any]:
    """The order placed on ``connection`` (in its transaction): its view."""
    wanted = dict(lines)
    events: list[Any] = []
    prices = {}
    for row in await _claimed(connection, wanted):
        new = {
            **dict(row),
            "quantity": row["quantity"] - wanted[row["id"]],
            "updated_at": now,
            "version": row["version"] + 1,
        }
        if await connection.fetchval(UPDATE, *new.values(), row["version"]) is None:
            raise _Refused(_problem(412, "Precondition Failed"))
        prices[row["id"]] = row["price"]
        events += _event("item.updated", "items", row["id"], new["version"], now, _view(new))
    order_lines = [
        {"item_id": item_id, "quantity": quantity, "unit_price": str(prices[item_id])}
        for item_id, quantity in lines
    ]
    total = sum((prices[item_id] * quantity for item_id, quantity in lines), Decimal("0.00"))
    order = {
        "id": _new_id(),
        "status": "placed",
        "lines": order_lines,
        "total": total,
        "note": note,
        "created_at": now,
        "updated_at": now,
        "version": 1,
        "deleted_at": None,
    }
    stored_lines = orjson.dumps(order_lines, default=str).decode()
    await connection.execute(INSERT_ORDER, *{**order, "lines": stored_lines}.values())
    view = {**order, "total": str(total)}
    del view["deleted_at"]
    events += _event("order.placed", "orders", order["id"], 1, now, view)
    await connection.execute(INSERT_EVENTS[len(lines) + 1], *events)
    return view


async def place_order(request: Request) -> Response:
    parsed = _order_lines(await _body(request))
    if parsed is None:
        return _problem(422, "Unprocessable Content")
    now = datetime.now(UTC)
    try:
        async with pool.acquire() as connection, connection.transaction():
            view = await _placed(connection, *parsed, now)
    except _Refused as refused:
        return refused.response
    document = {"data": view, "request_id": uuid.uuid4().hex, "timestamp": datetime.now(UTC)}
    return _json(document, 201, ETag='"1"', Location=f"/api/v1/orders/{view['id']}")


async def no_reset(_: asyncpg.Connection[Any]) -> None:
    """Skip asyncpg's reset query on release, as the service's pool does (one round trip)."""


@asynccontextmanager
async def lifespan(_: Starlette) -> AsyncIterator[None]:
    global pool  # noqa: PLW0603 - a module-level pool is what a bare app looks like
    url = os.environ["BENCH_DATABASE_URL"]
    pool = await asyncpg.create_pool(url, min_size=1, max_size=10, reset=no_reset)
    async with pool:
        yield


app = Starlette(
    routes=[
        Route("/api/v1/items", list_items, methods=["GET"]),
        Route("/api/v1/items", create_item, methods=["POST"]),
        Route("/api/v1/items/{id}", get_item, methods=["GET"]),
        Route("/api/v1/items/{id}", patch_item, methods=["PATCH"]),
        Route("/api/v1/orders", place_order, methods=["POST"]),
    ],
    lifespan=lifespan,
)
