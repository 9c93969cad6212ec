"""Lists over HTTP: filters, sorts, offset and keyset pages, every malformed query,
and injection attempts, through the real app on every backend (API.md "Query
language for lists").
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

import databases
import httpx2
import pytest

from tests.conftest import ClientFactory
from tests.unit.test_query_language import MALFORMED

ITEMS = "/api/v1/items"
Params = list[tuple[str, str]]

# name, description, price, quantity: text that looks like the grammar, like
# SQL, and like LIKE patterns; two NULL descriptions.
SEED: list[tuple[str, str | None, str, int]] = [
    ("Desk lamp", "warm, dim (LED)", "12.50", 3),
    ("Floor LAMP", None, "45.00", 0),
    ("chair", 'say "hi"', "4.99", 10),
    ("a,b", None, "7.00", 1),
    ("x' OR '1'='1", "%' --", "1.00", 2),
    ("50%_off\\", "lamp*", "3.00", 5),
    ("); DELETE FROM items; --", "b", "20.00", 4),
]
NAMES = [name for name, *_ in SEED]


@pytest.fixture
async def seeded(client: httpx2.AsyncClient) -> dict[str, dict[str, Any]]:
    """The SEED items, created over HTTP: name -> item as the API shows it."""
    created: dict[str, dict[str, Any]] = {}
    for name, description, price, quantity in SEED:
        body = {"name": name, "description": description, "price": price, "quantity": quantity}
        response = await client.post(ITEMS, json=body)
        assert response.status_code == 201, response.text
        created[name] = response.json()["data"]
    return created


async def _list(client: httpx2.AsyncClient, params: Params) -> dict[str, Any]:
    response = await client.get(ITEMS, params=tuple(params))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


async def _names(client: httpx2.AsyncClient, params: Params) -> list[str]:
    return [item["name"] for item in (await _list(client, [*params, ("size", "100")]))["items"]]


def _params(params: Params | str) -> Params:
    return parse_qsl(params, keep_blank_values=True) if isinstance(params, str) else params


def _problem_fields(response: httpx2.Response) -> set[str]:
    """The parameters a 400 problem names, once it is shown to be one."""
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "Traceback" not in response.text
    body = response.json()
    assert body["status"] == 400
    assert body["type"] == "/problems/malformed-request"
    assert body["instance"] == ITEMS
    assert body["errors"]
    assert all(set(error) == {"field", "message", "code"} for error in body["errors"])
    return {error["field"] for error in body["errors"]}


def _where(predicate: Callable[[tuple[str, str | None, str, int]], bool]) -> list[str]:
    return [row[0] for row in SEED if predicate(row)]


def _backend(url: str) -> str:
    return "postgresql" if url.startswith("postgres") else "sqlite"


async def _assert_intact(client: httpx2.AsyncClient, database: databases.Database) -> None:
    """Every seeded row is still listed, and the table is there for SQL too."""
    assert (await _list(client, []))["total"] == len(SEED)
    assert sorted(await _names(client, [])) == sorted(NAMES)
    count = await database.fetch_val("SELECT count(*) FROM items WHERE deleted_at IS NULL")
    assert count == len(SEED)


# -- every malformed query is a 400 problem naming the parameter ------------------------


@pytest.mark.usefixtures("seeded")
async def test_every_malformed_query_is_a_400_problem_naming_the_parameter(
    client: httpx2.AsyncClient,
) -> None:
    wrong: list[str] = []
    for query, parameter in MALFORMED:
        response = await client.get(f"{ITEMS}?{query}")
        try:
            fields = _problem_fields(response)
        except AssertionError as error:
            wrong.append(f"{query}: {error}")
            continue
        if parameter not in fields:
            wrong.append(f"{query}: names {sorted(fields)}, not {parameter!r}")
    assert not wrong, "\n".join(wrong)


async def test_several_mistakes_are_named_in_one_problem(client: httpx2.AsyncClient) -> None:
    response = await client.get(f"{ITEMS}?colour=eq.red&price=gt.abc&sort=nope&size=0")

    assert _problem_fields(response) == {"colour", "price", "sort", "size"}


@pytest.mark.parametrize(
    "edge",
    [
        "created_at=gt.0001-01-01T00:00:00%2B01:00",
        "updated_at=lt.9999-12-31T23:59:59-01:00",
    ],
)
async def test_a_timestamp_outside_the_utc_calendar_is_a_400_not_a_500(
    client: httpx2.AsyncClient, edge: str
) -> None:
    response = await client.get(f"{ITEMS}?{edge}")

    assert _problem_fields(response) & {"created_at", "updated_at"}


@pytest.mark.parametrize(
    "query",
    [
        "quantity=gt.3000000000",
        "quantity=lt.2147483648",
        "quantity=in.(0,99999999999)",
        "quantity=neq.-999999999999999999",
    ],
)
@pytest.mark.usefixtures("seeded")
async def test_an_integer_beyond_the_32_bit_column_range_is_a_400_naming_the_field(
    client: httpx2.AsyncClient, query: str
) -> None:
    response = await client.get(f"{ITEMS}?{query}")

    assert _problem_fields(response) == {"quantity"}


# -- happy paths --------------------------------------------------------------------------


# (query string, names of the rows it must return)
FILTERS: list[tuple[str, list[str]]] = [
    ("name=eq.chair", ["chair"]),
    ("name=eq.a,b", ["a,b"]),
    ("price=gte.10&name=ilike.*lamp*", ["Desk lamp", "Floor LAMP"]),
    ("name=like.*lamp*", ["Desk lamp"]),
    ("name=like.*LAMP", ["Floor LAMP"]),
    ("name=ilike.*LAMP", ["Desk lamp", "Floor LAMP"]),
    ("name=like.50%_off*", ["50%_off\\"]),
    ("name=like.5*\\", ["50%_off\\"]),
    ("name=like.*%*", ["50%_off\\"]),
    ("name=like.*_*", ["50%_off\\"]),
    ("name=like.a_b", []),
    ("description=like.lamp*", ["50%_off\\"]),
    ("description=eq.lamp*", ["50%_off\\"]),
    ("name=not.eq.chair", [n for n in NAMES if n != "chair"]),
    ("name=neq.chair", [n for n in NAMES if n != "chair"]),
    ("quantity=in.(0,1,2)", ["Floor LAMP", "a,b", "x' OR '1'='1"]),
    (
        "quantity=not.in.(0,1,2)",
        ["Desk lamp", "chair", "50%_off\\", "); DELETE FROM items; --"],
    ),
    ("name=in.(\"a,b\",chair,\"x' OR '1'='1\")", ["chair", "a,b", "x' OR '1'='1"]),
    ('description=in.("warm, dim (LED)","say \\"hi\\"")', ["Desk lamp", "chair"]),
    ("description=is.null", ["Floor LAMP", "a,b"]),
    ("description=not.is.null", _where(lambda row: row[1] is not None)),
    # NULL is unknown, not unequal: neq and not.eq both skip NULL descriptions.
    ("description=neq.b", _where(lambda row: row[1] not in (None, "b"))),
    ("description=not.eq.b", _where(lambda row: row[1] not in (None, "b"))),
    (
        "or=(price.lt.5,quantity.eq.0)",
        ["Floor LAMP", "chair", "x' OR '1'='1", "50%_off\\"],
    ),
    ("or=(name.eq.chair,and(price.gt.10,quantity.lt.1))", ["Floor LAMP", "chair"]),
    (
        "not.or=(price.lt.5,quantity.eq.0)",
        ["Desk lamp", "a,b", "); DELETE FROM items; --"],
    ),
    (
        "not.and=(price.gt.4,price.lt.13)",
        ["Floor LAMP", "x' OR '1'='1", "50%_off\\", "); DELETE FROM items; --"],
    ),
    ('or=(name.eq."a,b",description.eq."say \\"hi\\"")', ["chair", "a,b"]),
    (
        "or=(description.is.null,name.not.ilike.*a*)",
        ["Floor LAMP", "a,b", "x' OR '1'='1", "50%_off\\", "); DELETE FROM items; --"],
    ),
    ("price=gt.1&price=lt.5", ["chair", "50%_off\\"]),
    ("price=eq.12.5", ["Desk lamp"]),
    ("price=eq.12.500", ["Desk lamp"]),
    ("quantity=gte.5", ["chair", "50%_off\\"]),
]


@pytest.mark.usefixtures("seeded")
async def test_every_filter_returns_exactly_the_matching_rows(
    client: httpx2.AsyncClient,
) -> None:
    wrong: list[str] = []
    for query, expected in FILTERS:
        body = await _list(client, [*_params(query), ("size", "100")])
        found = sorted(item["name"] for item in body["items"])
        if found != sorted(expected) or body["total"] != len(expected):
            wrong.append(f"{query}: got {found} (total {body['total']}), want {sorted(expected)}")
    assert not wrong, "\n".join(wrong)


async def test_filters_on_id_and_timestamps_select_by_value(
    client: httpx2.AsyncClient, seeded: dict[str, dict[str, Any]]
) -> None:
    chair = seeded["chair"]
    later = sorted(item["created_at"] for item in seeded.values())[3]

    assert await _names(client, [("id", f"eq.{chair['id']}")]) == ["chair"]
    assert await _names(client, [("id", f"not.eq.{chair['id']}")]) == [
        n for n in sorted(NAMES, key=lambda n: seeded[n]["id"]) if n != "chair"
    ]
    created_since = await _names(client, [("created_at", f"gte.{later}")])
    assert sorted(created_since) == sorted(
        name for name, item in seeded.items() if item["created_at"] >= later
    )
    assert await _names(client, [("updated_at", "lt.2000-01-01T00:00:00+00:00")]) == []


@pytest.mark.parametrize("descending", [False, True])
async def test_null_descriptions_sort_last_in_both_directions(
    client: httpx2.AsyncClient, seeded: dict[str, dict[str, Any]], *, descending: bool
) -> None:
    names = await _names(client, [("sort", "-description" if descending else "description")])

    present = sorted((row for row in SEED if row[1] is not None), key=lambda row: row[1] or "")
    if descending:
        present.reverse()
    # Ties (the NULLs) are broken by id, in the direction of the last key.
    absent = sorted(_where(lambda row: row[1] is None), key=lambda n: seeded[n]["id"])
    if descending:
        absent.reverse()
    assert names == [row[0] for row in present] + absent


@pytest.mark.usefixtures("seeded")
async def test_sort_by_several_keys_orders_by_each_in_turn(
    client: httpx2.AsyncClient,
) -> None:
    await client.post(ITEMS, json={"name": "Another", "price": "45.00", "quantity": 1})

    names = await _names(client, [("sort", "-price,name")])

    rows = [(Decimal(p), n) for n, _, p, _ in SEED] + [(Decimal("45.00"), "Another")]
    expected = [n for _, n in sorted(rows, key=lambda row: (-row[0], row[1]))]
    assert names == expected


async def test_without_sort_the_order_is_by_id(
    client: httpx2.AsyncClient, seeded: dict[str, dict[str, Any]]
) -> None:
    assert await _names(client, []) == sorted(NAMES, key=lambda n: seeded[n]["id"])


@pytest.mark.usefixtures("seeded")
async def test_offset_pages_count_only_the_filtered_rows(
    client: httpx2.AsyncClient,
) -> None:
    query = [("price", "lt.10"), ("sort", "price")]

    second = await _list(client, [*query, ("page", "2"), ("size", "2")])
    beyond = await _list(client, [*query, ("page", "3"), ("size", "2")])
    first = await _list(client, [*query, ("size", "3")])

    assert [item["name"] for item in second["items"]] == ["chair", "a,b"]
    assert {k: v for k, v in second.items() if k != "items"} == {
        "total": 4,
        "page": 2,
        "size": 2,
        "pages": 2,
        "has_next": False,
        "has_previous": True,
    }
    assert beyond["items"] == []
    assert (beyond["total"], beyond["has_next"], beyond["has_previous"]) == (4, False, True)
    assert [item["name"] for item in first["items"]] == ["x' OR '1'='1", "50%_off\\", "chair"]
    assert (first["page"], first["size"], first["pages"], first["has_next"]) == (1, 3, 2, True)
    assert first["has_previous"] is False


@pytest.mark.usefixtures("seeded")
async def test_an_empty_result_is_one_empty_page(
    client: httpx2.AsyncClient,
) -> None:
    body = await _list(client, [("name", "eq.nothing")])

    assert body == {
        "items": [],
        "total": 0,
        "page": 1,
        "size": 20,
        "pages": 0,
        "has_next": False,
        "has_previous": False,
    }


# -- keyset pages -----------------------------------------------------------------------------


async def _walk(
    client: httpx2.AsyncClient, query: Params, limit: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every page of a keyset walk, forwards from the start: (pages, items)."""
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        extra = [("cursor", cursor)] if cursor else []
        page = await _list(client, [*query, ("limit", str(limit)), *extra])
        assert set(page) == {"items", "next_cursor", "prev_cursor"}
        pages.append(page)
        cursor = page["next_cursor"]
        if cursor is None:
            return pages, [item for p in pages for item in p["items"]]
        assert len(pages) <= len(SEED), "the walk does not end"


@pytest.mark.usefixtures("seeded")
async def test_a_keyset_walk_returns_every_row_once_in_order_with_null_cursors_at_the_ends(
    client: httpx2.AsyncClient,
) -> None:
    pages, items = await _walk(client, [("sort", "price")], limit=2)

    by_price = [name for name, *_ in sorted(SEED, key=lambda row: Decimal(row[2]))]
    assert [item["name"] for item in items] == by_price
    assert [len(page["items"]) for page in pages] == [2, 2, 2, 1]
    assert pages[0]["prev_cursor"] is None
    assert all(page["prev_cursor"] for page in pages[1:])
    assert pages[-1]["next_cursor"] is None


@pytest.mark.usefixtures("seeded")
async def test_prev_cursor_walks_back_to_the_previous_page(
    client: httpx2.AsyncClient,
) -> None:
    query = [("sort", "-price")]
    pages, _ = await _walk(client, query, limit=3)

    back = await _list(client, [*query, ("limit", "3"), ("cursor", pages[-1]["prev_cursor"])])
    first = await _list(client, [*query, ("limit", "3"), ("cursor", back["prev_cursor"])])

    assert back["items"] == pages[-2]["items"]
    assert first["items"] == pages[0]["items"]
    assert first["prev_cursor"] is None
    assert first["next_cursor"]


def _expected_order(items: dict[str, dict[str, Any]], sort: str) -> list[str]:
    """Ids of ``items`` (id -> item) in ``sort`` order as API.md defines it: NULLs
    last in both directions, ties broken by id in the direction of the last key."""
    ids = sorted(items, reverse=sort.rsplit(",", maxsplit=1)[-1].startswith("-"))
    for key in reversed(sort.split(",")):
        field = key.removeprefix("-")

        def value(item_id: str, field: str = field) -> Any:
            raw = items[item_id][field]
            return Decimal(raw) if field == "price" else raw

        present = [item_id for item_id in ids if items[item_id][field] is not None]
        absent = [item_id for item_id in ids if items[item_id][field] is None]
        ids = sorted(present, key=value, reverse=key.startswith("-")) + absent
    return ids


async def _walk_back(
    client: httpx2.AsyncClient, query: Params, limit: int, cursor: str
) -> list[dict[str, Any]]:
    """Items of every page before ``cursor``'s, walking prev_cursor to the start."""
    pages: list[list[dict[str, Any]]] = []
    current: str | None = cursor
    while current is not None:
        page = await _list(client, [*query, ("limit", str(limit)), ("cursor", current)])
        pages.insert(0, page["items"])
        current = page["prev_cursor"]
        assert len(pages) <= len(SEED), "the walk does not end"
    return [item for items in pages for item in items]


@pytest.mark.parametrize("sort", ["-description", "description", "-price,name", "quantity,-name"])
@pytest.mark.usefixtures("seeded")
async def test_keyset_walks_over_nullable_or_mixed_direction_sorts_both_ways(
    client: httpx2.AsyncClient, sort: str
) -> None:
    await client.post(ITEMS, json={"name": "chair", "price": "45.00", "quantity": 0})
    listed = {item["id"]: item for item in (await _list(client, [("size", "100")]))["items"]}
    query = [("sort", sort)]

    pages, forwards = await _walk(client, query, limit=2)
    backwards = await _walk_back(client, query, 2, pages[-1]["prev_cursor"])

    expected = _expected_order(listed, sort)
    assert [item["id"] for item in forwards] == expected
    assert [item["id"] for item in backwards + pages[-1]["items"]] == expected


@pytest.mark.usefixtures("seeded")
async def test_a_filtered_keyset_walk_stays_within_the_filter(
    client: httpx2.AsyncClient,
) -> None:
    query = [("price", "lt.10"), ("sort", "-price")]

    pages, items = await _walk(client, query, limit=2)

    assert [item["name"] for item in items] == ["a,b", "chair", "50%_off\\", "x' OR '1'='1"]
    assert len(pages) == 2
    assert pages[-1]["next_cursor"] is None


@pytest.mark.usefixtures("seeded")
async def test_limit_alone_is_the_first_keyset_page_and_cursor_alone_uses_limit_twenty(
    client: httpx2.AsyncClient,
) -> None:
    first = await _list(client, [("limit", "1")])
    rest = await _list(client, [("cursor", first["next_cursor"])])

    assert first["prev_cursor"] is None
    assert len(rest["items"]) == len(SEED) - 1
    assert rest["next_cursor"] is None
    assert rest["prev_cursor"]


@pytest.mark.usefixtures("seeded")
async def test_an_empty_keyset_page_has_no_cursors(
    client: httpx2.AsyncClient,
) -> None:
    body = await _list(client, [("name", "eq.nothing"), ("limit", "5")])

    assert body == {"items": [], "next_cursor": None, "prev_cursor": None}


# -- cursors that must be refused --------------------------------------------------------


async def _a_cursor(client: httpx2.AsyncClient, query: Params) -> str:
    page = await _list(client, [*query, ("limit", "2")])
    cursor: str = page["next_cursor"]
    assert cursor
    return cursor


@pytest.mark.usefixtures("seeded")
async def test_a_cursor_with_an_altered_signature_is_a_400(
    client: httpx2.AsyncClient,
) -> None:
    query = [("sort", "name")]
    body, signature = (await _a_cursor(client, query)).split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    altered = f"{body}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"

    response = await client.get(ITEMS, params=[*query, ("limit", "2"), ("cursor", altered)])

    assert _problem_fields(response) == {"cursor"}


@pytest.mark.parametrize(
    "garbage", ["", "abc", "a.b", "not a cursor", "eyJiIjpbXX0", "é.é", "../../etc/passwd"]
)
@pytest.mark.usefixtures("seeded")
async def test_a_garbage_cursor_is_a_400(client: httpx2.AsyncClient, garbage: str) -> None:
    response = await client.get(ITEMS, params=[("limit", "2"), ("cursor", garbage)])

    assert _problem_fields(response) == {"cursor"}


@pytest.mark.parametrize(
    ("issued_for", "replayed_with"),
    [
        ([("sort", "name")], [("sort", "-name")]),
        ([("sort", "name")], [("sort", "price")]),
        ([("sort", "name")], []),
        ([("sort", "name"), ("price", "gt.1")], [("sort", "name"), ("price", "gt.2")]),
        ([("sort", "name"), ("price", "gt.1")], [("sort", "name")]),
        ([("sort", "name")], [("sort", "name"), ("name", "not.eq.x")]),
    ],
)
@pytest.mark.usefixtures("seeded")
async def test_a_cursor_replayed_with_another_filter_or_sort_is_a_400(
    client: httpx2.AsyncClient,
    issued_for: Params,
    replayed_with: Params,
) -> None:
    cursor = await _a_cursor(client, issued_for)

    response = await client.get(ITEMS, params=[*replayed_with, ("limit", "2"), ("cursor", cursor)])

    assert _problem_fields(response) == {"cursor"}


@pytest.mark.usefixtures("seeded")
async def test_a_cursor_survives_reordered_parameters_and_another_limit(
    client: httpx2.AsyncClient,
) -> None:
    cursor = await _a_cursor(client, [("price", "gt.1"), ("sort", "name")])

    body = await _list(
        client, [("sort", "name"), ("price", "gt.1"), ("limit", "3"), ("cursor", cursor)]
    )

    assert len(body["items"]) == 3


@pytest.mark.usefixtures("seeded")
async def test_cursor_with_page_is_a_400(
    client: httpx2.AsyncClient,
) -> None:
    cursor = await _a_cursor(client, [])

    response = await client.get(ITEMS, params=[("page", "2"), ("cursor", cursor)])

    assert "page" in _problem_fields(response)


async def test_a_cursor_signed_with_another_secret_is_a_400(
    database_url: str, client_for: ClientFactory
) -> None:
    async with client_for(database_url, cursor_secret="a" * 32) as issuer:
        for name, description, price, quantity in SEED[:3]:
            body = {"name": name, "description": description, "price": price, "quantity": quantity}
            assert (await issuer.post(ITEMS, json=body)).status_code == 201
        cursor = await _a_cursor(issuer, [])
    async with client_for(database_url, cursor_secret="a" * 32) as same_secret:
        accepted = await same_secret.get(ITEMS, params=[("limit", "2"), ("cursor", cursor)])
    async with client_for(database_url, cursor_secret="b" * 32) as other_secret:
        refused = await other_secret.get(ITEMS, params=[("limit", "2"), ("cursor", cursor)])

    assert accepted.status_code == 200, accepted.text
    assert len(accepted.json()["items"]) == 1
    assert _problem_fields(refused) == {"cursor"}


# -- injection ------------------------------------------------------------------------------

HOSTILE_FIELDS = [
    "name;DROP TABLE items",
    "price) OR 1=1 --",
    "name OR 1=1",
    "items.name",
    '"name"',
    "name--",
    "1=1",
    "name/**/",
    "deleted_at",
]
HOSTILE_OPERATORS = ["eq;--", "eq) OR 1=1 --", "= 'x' OR 1=1 --", "like'", "in(", "IS NOT"]
HOSTILE_SORTS = [
    "price;DROP TABLE items",
    "name desc",
    "name ASC NULLS FIRST",
    "(SELECT 1)",
    "-price;--",
    "price,1",
    "1",
    "name,(CASE WHEN 1=1 THEN name END)",
]
HOSTILE_VALUES = [
    "x' OR '1'='1",
    "%' --",
    "); DELETE FROM items; --",
    "1; DROP TABLE items",
    "' UNION SELECT * FROM items --",
    "\\'; DROP TABLE items; --",
    "' OR 1=1) OR ('",
]
# Typed fields: anything SQL-looking is simply not a value of the type.
HOSTILE_TYPED: Params = [
    ("price", "eq.1 OR 1=1"),
    ("price", "gt.0); DELETE FROM items; --"),
    ("quantity", "in.(1); DROP TABLE items; --"),
    ("quantity", "eq.1;--"),
    ("id", "eq.' OR 1=1 --"),
    ("created_at", "gt.2024-01-01T00:00:00Z' OR '1'='1"),
    ("or", "(price.gt.0) OR (1=1)"),
    ("or", "(name.eq.x,price.gt.0;DROP TABLE items)"),
]


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.mark.usefixtures("seeded")
async def test_hostile_field_names_are_400s_naming_them_and_leave_the_table_intact(
    client: httpx2.AsyncClient, database: databases.Database
) -> None:
    for field in HOSTILE_FIELDS:
        response = await client.get(ITEMS, params=[(field, "eq.x")])
        assert _problem_fields(response) == {field}, field
        in_group = await client.get(ITEMS, params=[("or", f"({field}.eq.x,name.eq.y)")])
        assert _problem_fields(in_group) == {"or"}, field
    await _assert_intact(client, database)


@pytest.mark.usefixtures("seeded")
async def test_hostile_operators_are_400s_and_leave_the_table_intact(
    client: httpx2.AsyncClient, database: databases.Database
) -> None:
    for operator in HOSTILE_OPERATORS:
        response = await client.get(ITEMS, params=[("name", f"{operator}.x")])
        assert _problem_fields(response) == {"name"}, operator
        negated = await client.get(ITEMS, params=[("name", f"not.{operator}.x")])
        assert _problem_fields(negated) == {"name"}, operator
        in_group = await client.get(ITEMS, params=[("or", f"(name.{operator}.x,name.eq.y)")])
        assert _problem_fields(in_group) == {"or"}, operator
    await _assert_intact(client, database)


@pytest.mark.usefixtures("seeded")
async def test_hostile_sorts_are_400s_and_leave_the_table_intact(
    client: httpx2.AsyncClient, database: databases.Database
) -> None:
    for sort in HOSTILE_SORTS:
        response = await client.get(ITEMS, params=[("sort", sort)])
        assert _problem_fields(response) == {"sort"}, sort
        keyset = await client.get(ITEMS, params=[("sort", sort), ("limit", "2")])
        assert _problem_fields(keyset) == {"sort"}, sort
    await _assert_intact(client, database)


@pytest.mark.usefixtures("seeded")
async def test_hostile_values_in_typed_fields_are_400s_and_leave_the_table_intact(
    client: httpx2.AsyncClient, database: databases.Database
) -> None:
    for field, value in HOSTILE_TYPED:
        response = await client.get(ITEMS, params=[(field, value)])
        assert _problem_fields(response) == {field}, (field, value)
    await _assert_intact(client, database)


def _text_cases(field: str, value: str) -> list[tuple[Params, list[str]]]:
    """Queries that carry ``value`` as text in ``field``, and the rows each must return."""
    texts = {name: (name if field == "name" else description) for name, description, *_ in SEED}

    def rows(predicate: Callable[[str], bool]) -> list[str]:
        return sorted(name for name, text in texts.items() if text is not None and predicate(text))

    equal = rows(lambda text: text == value)
    return [
        ([(field, f"eq.{value}")], equal),
        ([(field, f"like.{value}")], equal),  # no '*': like is equality
        ([(field, f"ilike.{value}")], rows(lambda text: text.lower() == value.lower())),
        ([(field, f"in.({_quoted(value)})")], equal),
        ([(field, f"in.({_quoted(value)},{_quoted(value + 'x')})")], equal),
        ([(field, f"neq.{value}")], rows(lambda text: text != value)),
        ([("or", f"({field}.eq.{_quoted(value)},name.eq.chair)")], sorted({*equal, "chair"})),
        ([("and", f"({field}.like.{_quoted(value)},price.gt.0)")], equal),
    ]


@pytest.mark.parametrize("value", HOSTILE_VALUES)
@pytest.mark.usefixtures("seeded")
async def test_hostile_text_values_are_plain_values_and_leave_the_table_intact(
    client: httpx2.AsyncClient,
    database: databases.Database,
    value: str,
) -> None:
    for field in ("name", "description"):
        for params, expected in _text_cases(field, value):
            response = await client.get(ITEMS, params=[*params, ("size", "100")])
            if response.status_code == 400:
                assert _problem_fields(response) <= {field, "or", "and"}, params
                continue
            assert response.status_code == 200, (params, response.text)
            names = sorted(item["name"] for item in response.json()["items"])
            assert names == expected, params
    await _assert_intact(client, database)


def test_the_hostile_values_match_seeded_rows_so_plain_value_handling_is_visible() -> None:
    assert set(_text_cases("name", "x' OR '1'='1")[0][1]) == {"x' OR '1'='1"}
    assert _text_cases("description", "%' --")[0][1] == ["x' OR '1'='1"]
    assert _text_cases("name", "); DELETE FROM items; --")[0][1] == ["); DELETE FROM items; --"]


@pytest.mark.parametrize("operator", ["eq", "like", "in"])
@pytest.mark.usefixtures("seeded")
async def test_a_nul_character_in_a_text_value_is_a_400_naming_the_field(
    client: httpx2.AsyncClient, database: databases.Database, operator: str
) -> None:
    value = {"eq": "eq.a\x00b", "like": "like.*\x00*", "in": 'in.("a\x00b")'}[operator]

    response = await client.get(ITEMS, params=[("name", value)])

    assert _problem_fields(response) == {"name"}
    await _assert_intact(client, database)
