"""Every ApiKeyStore keeps keys alike: in memory, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import databases
import pytest
from returns.result import Success

from my_api.adapters.memory.api_keys import InMemoryApiKeys
from my_api.adapters.sql.api_keys import SqlApiKeys
from my_api.bootstrap import build_container
from my_api.kernel import api_keys
from my_api.kernel.api_keys import ApiKeyStore
from my_api.kernel.errors import Conflict
from my_api.kernel.io_edge import performed
from my_api.settings import Settings

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@pytest.fixture(params=["memory", "sql"])
async def store(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[ApiKeyStore]:
    if request.param == "memory":
        yield InMemoryApiKeys()
        return
    container = build_container(Settings(database_url=database_url))
    database = container[databases.Database]
    await database.connect()
    try:
        yield container[SqlApiKeys]
    finally:
        await database.disconnect()


async def test_a_stored_key_is_found_by_its_id_exactly_as_it_was_stored(store: ApiKeyStore) -> None:
    issued = api_keys.issue("ci", ["items:write", "items:read"], NOW)
    assert performed(await store.add(issued.key)) == Success(None)
    assert performed(await store.find(issued.key.id)) == Success(issued.key)
    assert performed(await store.find("0" * 16)) == Success(None)


async def test_keys_are_listed_oldest_first(store: ApiKeyStore) -> None:
    later = api_keys.issue("later", ["items:read"], NOW + timedelta(seconds=1)).key
    earlier = api_keys.issue("earlier", ["items:read"], NOW).key
    for key in (later, earlier):
        performed(await store.add(key)).unwrap()
    assert performed(await store.all()) == Success((earlier, later))


async def test_revoking_stamps_the_key_once_and_then_finds_no_live_key(store: ApiKeyStore) -> None:
    key = api_keys.issue("ci", ["items:write"], NOW).key
    performed(await store.add(key)).unwrap()
    at = NOW + timedelta(minutes=5)
    revoked = performed(await store.revoke(key.id, at)).unwrap()
    assert revoked is not None
    assert revoked.revoked_at == at
    assert performed(await store.find(key.id)) == Success(revoked)
    assert performed(await store.revoke(key.id, at + timedelta(minutes=1))) == Success(None)
    assert performed(await store.revoke("f" * 16, at)) == Success(None)


async def test_a_second_key_with_the_same_id_is_a_conflict(store: ApiKeyStore) -> None:
    key = api_keys.issue("ci", ["items:write"], NOW).key
    performed(await store.add(key)).unwrap()
    again = performed(await store.add(key))
    assert isinstance(again.failure(), Conflict)
