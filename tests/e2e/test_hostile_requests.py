"""Requests a hostile client sends (issue 9's fuzzing findings), through the real app on
every backend: each gets a 2xx or a 4xx problem, never a 500 and never a 503.
"""

from __future__ import annotations

import httpx2
import pytest

from my_api.adapters.http.problems import MAX_ERRORS
from tests.conftest import ClientFactory
from tests.unit.test_query_limits import nested

ITEMS = "/api/v1/items"


@pytest.mark.parametrize(
    "params",
    [
        [("not.and", "(quantity.not.eq.1)")],
        [("not.or", "(not.or(name.eq.a,name.eq.b))")],
        [("or", "(not.and(not.or(quantity.eq.1,quantity.eq.2)),price.gt.1)")],
    ],
)
async def test_a_negated_group_holding_a_negation_lists_items(
    client: httpx2.AsyncClient, params: list[tuple[str, str]]
) -> None:
    response = await client.get(ITEMS, params=tuple(params))

    assert response.status_code == 200, response.text


async def test_a_lone_surrogate_in_a_json_key_is_a_422_naming_it_escaped(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.post(
        ITEMS, content=b'{"\\ud800":1}', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422, response.text
    fields = {error["field"] for error in response.json()["errors"]}
    assert "\\ud800" in fields


async def test_seven_thousand_unknown_parameters_give_a_small_400(
    client: httpx2.AsyncClient,
) -> None:
    response = await client.get(ITEMS, params=[(f"x{n}", "1") for n in range(7_000)])

    assert response.status_code == 400, response.text
    assert len(response.content) < 20_000


async def test_a_hundred_thousand_unknown_keys_give_a_small_422_counting_the_rest(
    database_url: str, client_for: ClientFactory
) -> None:
    body = "{" + ",".join(f'"k{n}":1' for n in range(100_000)) + "}"
    async with client_for(database_url, max_body_bytes=4_000_000) as client:
        response = await client.post(
            ITEMS, content=body.encode(), headers={"content-type": "application/json"}
        )

    assert response.status_code == 422, response.text
    assert len(response.content) < 20_000
    problem = response.json()
    assert len(problem["errors"]) == MAX_ERRORS
    # 100,000 unknown keys, and the three required fields that are missing.
    assert problem["errors_omitted"] == 100_003 - MAX_ERRORS


@pytest.mark.parametrize(
    "price", ["1e1000000", "1e999999", "1e-1000000", "-1e1000000", "1e99999999999999999999"]
)
async def test_a_price_with_a_huge_or_tiny_exponent_is_a_422(
    client: httpx2.AsyncClient, price: str
) -> None:
    body = f'{{"name":"a","price":{price},"quantity":1}}'.encode()

    response = await client.post(ITEMS, content=body, headers={"content-type": "application/json"})

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["price"]


# -- limits: a query that can never succeed is a 400, never a 500 or a 503 ---------------


@pytest.mark.parametrize(
    "params",
    [
        nested(241),
        nested(40, binary=True),
        [("quantity", "gt.1")] * 1_000,
        [("quantity", "in.(" + ",".join(str(n) for n in range(501)) + ")")],
        [("name", "eq." + "x" * 20_000)],
    ],
    ids=["nested-241", "binary-40", "1000-filters", "in-501", "long"],
)
async def test_a_query_past_a_limit_is_a_400(
    client: httpx2.AsyncClient, params: list[tuple[str, str]]
) -> None:
    response = await client.get(ITEMS, params=tuple(params))

    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/malformed-request"


MOST = {"query_max_depth": 12, "query_max_terms": 256, "query_max_in_values": 10_000}


def _deepest(depth: int) -> tuple[str, str]:
    """The shape that fills SQLite's parser stack fastest: negated groups, nested last."""
    opened = [
        f"not.{'or' if level % 2 else 'and'}(name.eq.x,price.gt.1," for level in range(depth - 1)
    ]
    return (
        "not.and",
        "(" + "".join(opened) + "quantity.not.eq.1" + ")" * (depth - 1) + ",quantity.eq.2)",
    )


async def test_the_largest_queries_the_highest_settings_allow_run_on_the_database(
    database_url: str, client_for: ClientFactory
) -> None:
    terms = 2 * (12 - 1) + 3
    queries = [
        [_deepest(12)],
        [("quantity", "gte.0")] * (256 - terms) + [_deepest(12)],
        [("quantity", "in.(" + ",".join(str(n % 10) for n in range(10_000)) + ")")],
    ]
    async with client_for(database_url, query_max_length=1_000_000, **MOST) as client:
        for name in ("a", "b"):
            body = {"name": name, "price": "1", "quantity": 0}
            assert (await client.post(ITEMS, json=body)).status_code == 201
        for params in queries:
            # A nullable sort key and a cursor: the keyset becomes a UNION ALL of
            # branches, each repeating the filter.
            first = await client.get(
                ITEMS, params=(*params, ("sort", "description"), ("limit", "1"))
            )
            assert first.status_code == 200, first.text
            cursor = first.json()["next_cursor"]
            assert cursor is not None
            query = (*params, ("sort", "description"), ("limit", "1"), ("cursor", cursor))

            second = await client.get(ITEMS, params=query)

            assert second.status_code == 200, second.text
