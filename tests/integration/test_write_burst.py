"""SQLite takes a write burst as a single-writer database should: every write succeeds.

200 concurrent POSTs, in-process: writes queue in-process for the one
long-lived writer connection (no connection is opened per write), while
reads keep their own connections.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from my_api.adapters.sql import database as sql_database
from tests.conftest import ClientFactory

ITEMS = "/api/v1/items"
WRITERS = 200


async def test_200_concurrent_writes_on_sqlite_all_succeed_through_one_writer_connection(
    tmp_path: Path, client_for: ClientFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[int] = []
    original = sql_database._PragmaConnection.__init__

    def counting(self: sql_database._PragmaConnection, *args: Any, **kwargs: Any) -> None:
        opened.append(1)
        original(self, *args, **kwargs)

    # The relay is off: its reads of the outbox open reading connections, which are not
    # what this counts (the writes' events are in the outbox either way).
    async with client_for(f"sqlite:///{tmp_path / 'burst.db'}", relay=False) as client:
        monkeypatch.setattr(sql_database._PragmaConnection, "__init__", counting)
        answers = await asyncio.gather(
            *(
                client.post(ITEMS, json={"name": f"Item {n}", "price": "1.00", "quantity": n})
                for n in range(WRITERS)
            )
        )
        monkeypatch.undo()
        listed = await client.get(ITEMS, params={"limit": 1})
    assert Counter(answer.status_code for answer in answers) == {201: WRITERS}
    assert opened == [], "a write opened a connection of its own"
    assert listed.status_code == 200
    assert len({answer.json()["data"]["id"] for answer in answers}) == WRITERS
