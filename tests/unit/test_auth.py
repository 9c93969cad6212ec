"""Scopes, API keys and the JWT verifier, as pure values (no HTTP, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest
from returns.result import Failure, Success

from my_api.adapters.http.auth_guard import bearer_token
from my_api.adapters.http.auth_jwt import JwtAuthenticator, JwtOptions
from my_api.kernel import api_keys
from my_api.kernel.auth import Principal, action_of, authorize, scope_for
from my_api.kernel.errors import Forbidden, Unauthenticated
from my_api.kernel.io_edge import performed
from my_api.settings import AuthMode, auth_refusal, load_settings
from tests.auth_tokens import (
    AUDIENCE,
    ISSUER,
    OTHER_KEY,
    PUBLIC_PEM,
    hmac_forged,
    token,
    unsigned,
)

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("method", "scope"),
    [
        ("GET", "orders:read"),
        ("HEAD", "orders:read"),
        ("POST", "orders:write"),
        ("PUT", "orders:write"),
        ("PATCH", "orders:write"),
        ("DELETE", "orders:write"),
    ],
)
def test_a_scope_is_the_resource_name_and_the_action_of_the_method(method: str, scope: str) -> None:
    assert scope_for("orders", action_of(method)) == scope


def test_a_principal_without_the_scope_is_forbidden_naming_it() -> None:
    reader = Principal.of("ci", ["items:read"])
    assert authorize(reader, "items:read") == Success(reader)
    assert authorize(reader, "items:write") == Failure(Forbidden("items:write"))


def test_an_issued_key_stores_only_the_digest_of_its_secret_and_verifies_with_it() -> None:
    issued = api_keys.issue("ci", ["items:write"], NOW)
    presented = api_keys.presented(issued.token)
    assert presented is not None
    assert presented.id == issued.key.id
    assert presented.secret not in repr(issued) + repr(issued.key)
    assert issued.key.secret_sha256 == api_keys.digest(presented.secret)
    assert api_keys.verified(issued.key, presented.secret) == Success(
        Principal(f"api-key:{issued.key.id}", frozenset({"items:write"}))
    )


def test_a_wrong_secret_a_revoked_key_and_an_unknown_key_are_refused_alike() -> None:
    issued = api_keys.issue("ci", ["items:write"], NOW)
    presented = api_keys.presented(issued.token)
    assert presented is not None
    wrong = ("A" if presented.secret[0] != "A" else "B") + presented.secret[1:]
    revoked = attrs.evolve(issued.key, revoked_at=NOW + timedelta(seconds=1))
    refusals = {
        api_keys.verified(issued.key, wrong),
        api_keys.verified(revoked, presented.secret),
        api_keys.verified(None, presented.secret),
    }
    assert refusals == {Failure(api_keys.INVALID_KEY)}


def test_two_issued_keys_never_share_an_id_or_a_secret() -> None:
    tokens = {api_keys.issue("ci", ["items:read"], NOW).token for _ in range(200)}
    assert len({t.split(".")[0] for t in tokens}) == len({t.split(".")[1] for t in tokens}) == 200


def test_only_the_bearer_scheme_carries_a_token() -> None:
    assert bearer_token("Bearer a.b.c") == "a.b.c"
    assert bearer_token("Basic dXNlcjpwYXNz") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


def test_auth_may_be_left_unset_only_on_a_loopback_address() -> None:
    assert auth_refusal(AuthMode.LOCAL, "127.0.0.1") is None
    assert auth_refusal(AuthMode.LOCAL, "::1") is None
    refusal = auth_refusal(AuthMode.LOCAL, "0.0.0.0")  # noqa: S104 - nothing binds
    assert refusal is not None
    assert "MY_API_AUTH=off" in refusal
    assert auth_refusal(AuthMode.OFF, "0.0.0.0") is None  # noqa: S104 - nothing binds
    assert auth_refusal(AuthMode.API_KEYS, "0.0.0.0") is None  # noqa: S104 - nothing binds


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"MY_API_JWT_ALGORITHMS": "none"}, "MY_API_JWT_ALGORITHMS"),
        ({"MY_API_JWT_ALGORITHMS": "RS256,none"}, "MY_API_JWT_ALGORITHMS"),
        ({"MY_API_JWT_ALGORITHMS": "HS256,RS256"}, "must not mix"),
        ({"MY_API_AUTH": "jwt", "MY_API_JWT_KEY": PUBLIC_PEM}, "MY_API_JWT_ISSUER"),
        (
            {"MY_API_AUTH": "jwt", "MY_API_JWT_ISSUER": ISSUER, "MY_API_JWT_AUDIENCE": AUDIENCE},
            "exactly one of MY_API_JWT_JWKS_URL and MY_API_JWT_KEY",
        ),
        ({"MY_API_AUTH": "kerberos"}, "must be one of local, off, api_keys, jwt"),
    ],
)
def test_an_unsafe_or_incomplete_jwt_configuration_is_refused(
    environ: dict[str, str], complaint: str
) -> None:
    (message,) = load_settings(environ).failure()
    assert complaint in message


def test_a_short_shared_jwt_secret_is_refused_without_echoing_it() -> None:
    environ = {
        "MY_API_AUTH": "jwt",
        "MY_API_JWT_ISSUER": ISSUER,
        "MY_API_JWT_AUDIENCE": AUDIENCE,
        "MY_API_JWT_ALGORITHMS": "HS256",
        "MY_API_JWT_KEY": "tiny-secret",
    }
    (message,) = load_settings(environ).failure()
    assert "at least 32 characters" in message
    assert "tiny-secret" not in message


VERIFIER = JwtAuthenticator(JwtOptions(ISSUER, AUDIENCE, ("RS256",), "", PUBLIC_PEM))


async def verify(text: str) -> Any:
    return performed(await VERIFIER(text))


async def test_a_valid_token_gives_its_subject_and_scopes() -> None:
    assert await verify(token(scope="items:read")) == Success(
        Principal("client-42", frozenset({"items:read"}))
    )


async def test_scopes_may_come_as_an_scp_list() -> None:
    outcome = await verify(token(scope=None, scp=["orders:read", "items:write"]))
    assert outcome.unwrap().scopes == {"orders:read", "items:write"}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (lambda: token(exp=int(NOW.timestamp())), "expired"),
        (
            lambda: token(nbf=int((datetime.now(UTC) + timedelta(hours=1)).timestamp())),
            "not valid yet",
        ),
        (lambda: token(key=OTHER_KEY), "signature does not verify"),
        (lambda: token(iss="https://evil.test/"), "issuer"),
        (lambda: token(aud="someone-else"), "audience"),
        (lambda: token(sub=None), "lacks a required claim"),
        (lambda: token(exp=None), "lacks a required claim"),
        (unsigned, "algorithm is not accepted"),
        # Key confusion: the public key (which anyone has) used as an HMAC secret.
        (lambda: hmac_forged(PUBLIC_PEM.encode()), "algorithm is not accepted"),
        (lambda: "not-a-jwt", "malformed"),
    ],
    ids=[
        "expired",
        "not-yet-valid",
        "wrong-key",
        "issuer",
        "audience",
        "no-sub",
        "no-exp",
        "alg-none",
        "hs256-with-public-key",
        "garbage",
    ],
)
async def test_a_token_that_does_not_hold_is_refused_naming_why_never_quoting_it(
    text: Any, reason: str
) -> None:
    presented = text()
    outcome = await verify(presented)
    assert isinstance(outcome, Failure)
    refusal = outcome.failure()
    assert isinstance(refusal, Unauthenticated)
    assert refusal.invalid
    assert reason in refusal.detail
    assert presented not in refusal.detail
