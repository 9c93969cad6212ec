"""Requests a hostile client sends (issue 9's fuzzing findings), through the real app on
every backend: each gets a 2xx or a 4xx problem, never a 500 and never a 503.
"""

from __future__ import annotations

import httpx2
import pytest

from my_api.adapters.http.problems import MAX_ERRORS
from tests.conftest import ClientFactory

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
