"""The HTTP edge in-process: hosts, redirects, caching headers and slow bodies."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest
from starlette.types import Message

from my_api.bootstrap import StartupError, build_container, create_app
from my_api.settings import Settings
from tests.conftest import ClientFactory

ITEMS = "/api/v1/items"
LAMP = {"name": "Lamp", "price": "12.50", "quantity": 2}


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'edge.db'}"


async def test_a_trailing_slash_is_not_redirected_to_the_host_the_client_named(
    tmp_path: Path, client_for: ClientFactory
) -> None:
    async with client_for(sqlite_url(tmp_path)) as client:
        answer = await client.get(f"{ITEMS}/", headers={"Host": "evil.example"})
    assert "location" not in answer.headers
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


async def test_a_host_outside_the_allowed_ones_gets_a_400_problem(
    tmp_path: Path, client_for: ClientFactory
) -> None:
    async with client_for(sqlite_url(tmp_path), allowed_hosts="api.example.com") as client:
        refused = await client.get(ITEMS, headers={"Host": "evil.example"})
        served = await client.get(ITEMS, headers={"Host": "api.example.com:8443"})
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert "Host" in refused.json()["detail"]
    assert served.status_code == 200


def test_the_service_refuses_to_start_on_a_public_interface_without_allowed_hosts(
    tmp_path: Path,
) -> None:
    with pytest.raises(StartupError, match="MY_API_ALLOWED_HOSTS"):
        build_container(Settings(database_url=sqlite_url(tmp_path), host="0.0.0.0"))  # noqa: S104


async def test_writes_and_errors_are_not_stored_and_etagged_reads_are_revalidated(
    tmp_path: Path, client_for: ClientFactory
) -> None:
    async with client_for(sqlite_url(tmp_path)) as client:
        created = await client.post(ITEMS, json=LAMP)
        fetched = await client.get(created.headers["location"])
        unchanged = await client.get(
            created.headers["location"], headers={"If-None-Match": fetched.headers["etag"]}
        )
        missing = await client.get(f"{ITEMS}/0190c4d2-5b3c-7000-8000-000000000000")
        listed = await client.get(ITEMS)
    assert created.headers["cache-control"] == "no-store"
    assert missing.headers["cache-control"] == "no-store"
    assert listed.headers["cache-control"] == "no-store"
    assert fetched.headers["cache-control"] == "private, no-cache"
    assert unchanged.status_code == 304
    assert unchanged.headers["cache-control"] == "private, no-cache"


async def test_a_body_that_stops_arriving_is_answered_408_with_a_problem(tmp_path: Path) -> None:
    settings = Settings(
        database_url=sqlite_url(tmp_path), access_log=False, body_timeout_seconds=0.1
    )
    app = create_app(build_container(settings))
    never = asyncio.Event()
    chunks = [{"type": "http.request", "body": b'{"name": "La', "more_body": True}]
    sent: list[Message] = []

    async def receive() -> Message:
        if chunks:
            return chunks.pop()
        await never.wait()  # the client stopped sending; nothing else will come
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": ITEMS,
        "raw_path": ITEMS.encode(),
        "query_string": b"",
        "root_path": "",
        "scheme": "http",
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", b"40"),
        ],
    }
    async with app.router.lifespan_context(app):
        await app(scope, receive, send)
    start, body = sent[0], sent[1]
    assert start["status"] == 408
    headers = dict(start["headers"])
    assert headers[b"connection"] == b"close"
    assert headers[b"content-type"] == b"application/problem+json"
    assert orjson.loads(body["body"])["status"] == 408
