"""API keys: issued once, stored only as a digest, found by id, compared in constant time.

A key is the text ``myapi_<id>.<secret>``. The id (16 hex characters) is
stored in clear and is how a key is looked up; the secret (32 random bytes,
URL-safe base64) is stored only as its SHA-256. A secret of 256 random bits
needs no slow hash: there is nothing to guess from the digest. The secret is
shown once, when the key is created.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

import attrs
from returns.future import FutureResult
from returns.result import Failure, Result, Success

from my_api.kernel.auth import Principal
from my_api.kernel.errors import AppError, Unauthenticated

PREFIX = "myapi_"
_TOKEN = re.compile(r"myapi_(?P<id>[0-9a-f]{16})\.(?P<secret>[A-Za-z0-9_-]{43})")
INVALID_KEY = Unauthenticated("The API key is not valid.", invalid=True)


@attrs.frozen
class ApiKey:
    """A stored key: never its secret, only the secret's digest."""

    id: str
    name: str
    scopes: frozenset[str]
    secret_sha256: str = attrs.field(repr=False)
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def subject(self) -> str:
        return f"api-key:{self.id}"


@attrs.frozen
class IssuedKey:
    """A new key and its token, the only time the token exists in clear."""

    key: ApiKey
    token: str = attrs.field(repr=False)


@attrs.frozen
class PresentedKey:
    """A token split into the id to look up and the secret to check."""

    id: str
    secret: str = attrs.field(repr=False)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def issue(name: str, scopes: Iterable[str], now: datetime) -> IssuedKey:
    """A new key: random id and secret; the stored half holds only the digest."""
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(key_id, name, frozenset(scopes), digest(secret), now)
    return IssuedKey(key, f"{PREFIX}{key_id}.{secret}")


def presented(token: str) -> PresentedKey | None:
    """The token's id and secret, or None when it is not shaped like one of our keys.

    >>> presented("myapi_00112233445566aa." + "A" * 43).id
    '00112233445566aa'
    >>> presented("myapi_short.secret") is None
    True
    """
    match = _TOKEN.fullmatch(token)
    return None if match is None else PresentedKey(match["id"], match["secret"])


def verified(key: ApiKey | None, secret: str) -> Result[Principal, AppError]:
    """The key's principal if it exists, is not revoked and the secret matches.

    Every refusal is the same value: a client learns nothing about which check failed.
    """
    if key is None or key.revoked_at is not None:
        return Failure(INVALID_KEY)
    if not hmac.compare_digest(digest(secret), key.secret_sha256):
        return Failure(INVALID_KEY)
    return Success(Principal(key.subject, key.scopes))


class ApiKeyStore(Protocol):
    """Where keys are kept (the SQL adapter, or an in-memory one for tests)."""

    def add(self, key: ApiKey) -> FutureResult[None, AppError]: ...

    def find(self, key_id: str) -> FutureResult[ApiKey | None, AppError]: ...

    def all(self) -> FutureResult[tuple[ApiKey, ...], AppError]: ...

    def revoke(self, key_id: str, at: datetime) -> FutureResult[ApiKey | None, AppError]:
        """The key, now revoked; None if no live key has that id."""
