"""Requests a hostile client sends (issue 9's fuzzing findings), through the real app on
every backend: each gets a 2xx or a 4xx problem, never a 500 and never a 503.
"""

from __future__ import annotations

import httpx2
import pytest

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
    response = await client.get(ITEMS, params=params)

    assert response.status_code == 200, response.text
