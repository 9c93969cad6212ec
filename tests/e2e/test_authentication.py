"""Authentication and scopes over HTTP, through the real app: API keys on both
databases, JWTs with a static key and with a JWKS URL (docs/auth.md).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import databases
import httpx2
import jwt
import pytest

from my_api.application.api_keys import ApiKeyUseCases
from my_api.bootstrap import build_container
from my_api.kernel.io_edge import performed
from my_api.settings import AuthMode, Settings
from tests.auth_tokens import AUDIENCE, ISSUER, OTHER_KEY, PUBLIC_PEM, SIGNING_KEY, token, unsigned
from tests.conftest import ClientFactory

ITEMS = "/api/v1/items"
ORDERS = "/api/v1/orders"
LAMP = {"name": "Lamp", "price": "12.50", "quantity": 3}


async def new_key(database_url: str, *scopes: str) -> tuple[str, str]:
    """A key created as `my-api keys create` creates it: (id, token)."""
    container = build_container(Settings(database_url=database_url))
    database = container[databases.Database]
    await database.connect()
    try:
        issued = performed(await container[ApiKeyUseCases].create("test", scopes)).unwrap()
    finally:
        await database.disconnect()
    return issued.key.id, issued.token


async def revoke(database_url: str, key_id: str) -> None:
    container = build_container(Settings(database_url=database_url))
    database = container[databases.Database]
    await database.connect()
    try:
        performed(await container[ApiKeyUseCases].revoke(key_id)).unwrap()
    finally:
        await database.disconnect()


def bearer(text: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {text}"}


def assert_unauthenticated(response: httpx2.Response, *, invalid: bool) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unauthenticated"
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="my-api"')
    assert ('error="invalid_token"' in challenge) is invalid


def assert_forbidden(response: httpx2.Response, scope: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "/problems/forbidden"
    assert repr(scope) in response.json()["detail"]
    assert f'scope="{scope}"' in response.headers["www-authenticate"]


@pytest.fixture
async def keyed(database_url: str, client_for: ClientFactory) -> AsyncIterator[httpx2.AsyncClient]:
    async with client_for(database_url, auth=AuthMode.API_KEYS) as client:
        yield client


async def test_without_authentication_configured_everything_is_open_on_loopback(
    client: httpx2.AsyncClient,
) -> None:
    assert (await client.post(ITEMS, json=LAMP)).status_code == 201


async def test_with_api_keys_a_request_without_a_credential_is_401_with_a_bearer_challenge(
    keyed: httpx2.AsyncClient,
) -> None:
    for response in (await keyed.get(ITEMS), await keyed.post(ITEMS, json=LAMP)):
        assert_unauthenticated(response, invalid=False)
    basic = await keyed.get(ITEMS, headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert_unauthenticated(basic, invalid=False)


async def test_health_stays_open_with_authentication_on(keyed: httpx2.AsyncClient) -> None:
    assert (await keyed.get("/health/live")).status_code == 200
    assert (await keyed.get("/health/ready")).status_code == 200


async def test_a_write_key_writes_and_a_read_key_reads_but_is_forbidden_to_write(
    keyed: httpx2.AsyncClient, database_url: str
) -> None:
    _, writer = await new_key(database_url, "items:write", "items:read")
    _, reader = await new_key(database_url, "items:read")
    created = await keyed.post(ITEMS, json=LAMP, headers=bearer(writer))
    assert created.status_code == 201, created.text
    location = created.headers["location"]
    assert (await keyed.get(location, headers=bearer(reader))).status_code == 200
    assert (await keyed.head(location, headers=bearer(reader))).status_code == 200
    assert (await keyed.get(ITEMS, headers=bearer(reader))).status_code == 200
    assert_forbidden(await keyed.delete(location, headers=bearer(reader)), "items:write")
    assert_forbidden(
        await keyed.patch(location, json={"quantity": 1}, headers=bearer(reader)), "items:write"
    )
    assert (await keyed.get(location, headers=bearer(reader))).json()["data"]["quantity"] == 3
    assert (await keyed.delete(location, headers=bearer(writer))).status_code == 204


async def test_orders_ask_for_their_own_scopes_whatever_items_grant(
    keyed: httpx2.AsyncClient, database_url: str
) -> None:
    _, stocker = await new_key(database_url, "items:write", "items:read")
    _, buyer = await new_key(database_url, "orders:write", "orders:read")
    item = (await keyed.post(ITEMS, json=LAMP, headers=bearer(stocker))).json()["data"]["id"]
    order = {"lines": [{"item_id": item, "quantity": 1}]}

    assert_forbidden(await keyed.post(ORDERS, json=order, headers=bearer(stocker)), "orders:write")
    assert_forbidden(await keyed.get(ORDERS, headers=bearer(stocker)), "orders:read")
    placed = await keyed.post(ORDERS, json=order, headers=bearer(buyer))
    assert placed.status_code == 201, placed.text
    cancel = f"{placed.headers['location']}/cancel"
    assert_forbidden(await keyed.post(cancel, headers=bearer(stocker)), "orders:write")
    assert (await keyed.post(cancel, headers=bearer(buyer))).status_code == 200
    assert_forbidden(await keyed.get(ITEMS, headers=bearer(buyer)), "items:read")


async def test_a_write_only_key_cannot_read(keyed: httpx2.AsyncClient, database_url: str) -> None:
    _, writer = await new_key(database_url, "items:write")
    assert_forbidden(await keyed.get(ITEMS, headers=bearer(writer)), "items:read")


async def test_a_revoked_key_is_refused_at_once(
    keyed: httpx2.AsyncClient, database_url: str
) -> None:
    key_id, writer = await new_key(database_url, "items:write")
    assert (await keyed.post(ITEMS, json=LAMP, headers=bearer(writer))).status_code == 201
    await revoke(database_url, key_id)
    assert_unauthenticated(await keyed.post(ITEMS, json=LAMP, headers=bearer(writer)), invalid=True)


async def test_a_key_with_a_wrong_secret_or_unknown_id_is_refused_and_never_echoed_or_logged(
    keyed: httpx2.AsyncClient, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    _, writer = await new_key(database_url, "items:write")
    tampered = writer[:-1] + ("A" if writer[-1] != "A" else "B")
    unknown = "myapi_0123456789abcdef." + tampered.split(".")[1]
    caplog.set_level(logging.DEBUG)
    for presented in (tampered, unknown, "myapi_garbage", "x" * 5000):
        response = await keyed.post(ITEMS, json=LAMP, headers=bearer(presented))
        assert_unauthenticated(response, invalid=True)
        assert presented not in response.text
        assert presented not in str(response.headers)
        assert presented.split(".")[-1] not in caplog.text
    assert writer.split(".")[1] not in caplog.text


async def test_public_reads_let_anonymous_reads_through_but_not_writes_or_bad_credentials(
    database_url: str, client_for: ClientFactory
) -> None:
    async with client_for(database_url, auth=AuthMode.API_KEYS, auth_public_reads=True) as client:
        assert (await client.get(ITEMS)).status_code == 200
        assert_unauthenticated(await client.post(ITEMS, json=LAMP), invalid=False)
        assert_unauthenticated(await client.get(ITEMS, headers=bearer("nope")), invalid=True)


# -- JWT -------------------------------------------------------------------------


def jwt_settings(**values: Any) -> dict[str, Any]:
    return {"auth": AuthMode.JWT, "jwt_issuer": ISSUER, "jwt_audience": AUDIENCE, **values}


@pytest.fixture
async def jwt_client(
    database_url: str, client_for: ClientFactory
) -> AsyncIterator[httpx2.AsyncClient]:
    async with client_for(database_url, **jwt_settings(jwt_key=PUBLIC_PEM)) as client:
        yield client


async def test_a_valid_token_with_the_scope_is_served(jwt_client: httpx2.AsyncClient) -> None:
    response = await jwt_client.post(ITEMS, json=LAMP, headers=bearer(token()))
    assert response.status_code == 201, response.text
    assert (
        await jwt_client.get(ITEMS, headers=bearer(token(scope="items:read")))
    ).status_code == 200


async def test_a_valid_token_without_the_scope_is_forbidden(jwt_client: httpx2.AsyncClient) -> None:
    response = await jwt_client.delete(
        f"{ITEMS}/00000000-0000-7000-8000-000000000000", headers=bearer(token(scope="items:read"))
    )
    assert_forbidden(response, "items:write")


@pytest.mark.parametrize(
    "make",
    [
        lambda: token(exp=1_000_000_000),
        lambda: token(nbf=4_000_000_000),
        lambda: token(key=OTHER_KEY),
        lambda: token(iss="https://evil.test/"),
        lambda: token(aud="another-api"),
        unsigned,
    ],
    ids=[
        "expired",
        "not-yet-valid",
        "wrongly-signed",
        "wrong-issuer",
        "wrong-audience",
        "alg-none",
    ],
)
async def test_a_token_that_does_not_hold_is_401_invalid_token_and_never_echoed_or_logged(
    jwt_client: httpx2.AsyncClient, caplog: pytest.LogCaptureFixture, make: Any
) -> None:
    presented = make()
    caplog.set_level(logging.DEBUG)
    response = await jwt_client.post(ITEMS, json=LAMP, headers=bearer(presented))
    assert_unauthenticated(response, invalid=True)
    for part in presented.split("."):
        if part:
            assert part not in response.text
            assert part not in caplog.text
    assert (await jwt_client.get(ITEMS, headers=bearer(token()))).json()["total"] == 0


async def test_a_shared_secret_signs_tokens_under_an_hs256_allow_list(
    database_url: str, client_for: ClientFactory
) -> None:
    secret = "s3cr3t-" * 6
    settings = jwt_settings(jwt_key=secret, jwt_algorithms="HS256")
    async with client_for(database_url, **settings) as client:
        good = token(key=secret.encode(), algorithm="HS256")
        assert (await client.post(ITEMS, json=LAMP, headers=bearer(good))).status_code == 201
        rsa_signed = token()
        assert_unauthenticated(
            await client.post(ITEMS, json=LAMP, headers=bearer(rsa_signed)), invalid=True
        )


@pytest.fixture
def jwks_url() -> Iterator[str]:
    """A JWKS endpoint on loopback publishing the signing key's public half as ``kid`` k1."""
    public = jwt.algorithms.RSAAlgorithm.to_jwk(SIGNING_KEY.public_key(), as_dict=True)
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


@asynccontextmanager
async def jwks_client(
    database_url: str, client_for: ClientFactory, url: str
) -> AsyncIterator[httpx2.AsyncClient]:
    async with client_for(database_url, **jwt_settings(jwt_jwks_url=url)) as client:
        yield client


async def test_with_a_jwks_url_a_token_is_verified_with_the_key_its_kid_names(
    database_url: str, client_for: ClientFactory, jwks_url: str
) -> None:
    async with jwks_client(database_url, client_for, jwks_url) as client:
        good = await client.post(ITEMS, json=LAMP, headers=bearer(token(kid="k1")))
        assert good.status_code == 201, good.text
        unknown_kid = await client.post(ITEMS, json=LAMP, headers=bearer(token(kid="k2")))
        assert_unauthenticated(unknown_kid, invalid=True)
        forged = await client.post(ITEMS, json=LAMP, headers=bearer(token(OTHER_KEY, kid="k1")))
        assert_unauthenticated(forged, invalid=True)


async def test_an_unreachable_jwks_endpoint_is_a_503_not_the_clients_fault(
    database_url: str, client_for: ClientFactory
) -> None:
    async with jwks_client(database_url, client_for, "http://127.0.0.1:1/jwks.json") as client:
        response = await client.post(ITEMS, json=LAMP, headers=bearer(token(kid="k1")))
        assert response.status_code == 503
