"""JWT bearer tokens (pyjwt): the ``Authenticate`` port served by signed tokens.

A token is accepted only if its signature verifies with the configured key
(a static one, or the JWKS key its ``kid`` names), under an algorithm in the
allow-list (``none`` can never be in it), and its ``iss``, ``aud``, ``exp``
(and ``nbf``/``iat`` when present) hold. Scopes come from ``scope`` (a
space-separated string, RFC 8693) or ``scp`` (a list or a string).

A refusal names what failed and never quotes the token; pyjwt's own messages
are not passed on either (they may echo claim values).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import attrs
import jwt
from returns.future import FutureResult, future_safe

from my_api.kernel.auth import Principal
from my_api.kernel.errors import AppError, Unauthenticated, Unavailable

log = logging.getLogger(__name__)

_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "The token has expired."),
    (jwt.ImmatureSignatureError, "The token is not valid yet."),
    (jwt.InvalidIssuerError, "The token's issuer is not accepted."),
    (jwt.InvalidAudienceError, "The token's audience is not accepted."),
    (jwt.InvalidAlgorithmError, "The token's algorithm is not accepted."),
    (jwt.InvalidSignatureError, "The token's signature does not verify."),
    (jwt.MissingRequiredClaimError, "The token lacks a required claim."),
    (jwt.PyJWKClientError, "The token's signing key is not known."),
)


@attrs.frozen
class JwtOptions:
    issuer: str
    audience: str
    algorithms: tuple[str, ...]
    jwks_url: str
    key: str = attrs.field(repr=False)
    leeway_seconds: int = 0


def refusal(error: Exception) -> AppError:
    """A pyjwt error as a value; the JWKS endpoint being down is a 503, not the token's fault."""
    if isinstance(error, jwt.PyJWKClientConnectionError):
        log.warning("JWKS endpoint unreachable: %s", type(error).__name__)
        return Unavailable("jwks", "The token issuer's keys cannot be fetched right now.")
    log.info("bearer token refused: %s", type(error).__name__)
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return Unauthenticated(reason, invalid=True)
    return Unauthenticated("The token is malformed.", invalid=True)


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    """
    >>> sorted(_scopes({"scope": "items:read items:write"}))
    ['items:read', 'items:write']
    >>> sorted(_scopes({"scp": ["orders:read"]})), sorted(_scopes({"scope": 3}))
    (['orders:read'], [])
    """
    raw = claims.get("scope", claims.get("scp", ""))
    if isinstance(raw, str):
        return frozenset(raw.split())
    if isinstance(raw, list):
        return frozenset(item for item in raw if isinstance(item, str))
    return frozenset()


class JwtAuthenticator:
    def __init__(self, options: JwtOptions) -> None:
        self._options = options
        # Fetches and caches the issuer's keys; it blocks, so it runs in a thread.
        self._jwks = jwt.PyJWKClient(options.jwks_url, timeout=5) if options.jwks_url else None

    def __call__(self, token: str) -> FutureResult[Principal, AppError]:
        return self._decoded(token).alt(refusal)

    @future_safe((jwt.PyJWTError,))
    async def _decoded(self, token: str) -> Principal:
        key: Any = self._options.key
        if self._jwks is not None:
            key = await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
        claims = jwt.decode(
            token,
            key,
            algorithms=list(self._options.algorithms),
            audience=self._options.audience,
            issuer=self._options.issuer,
            leeway=self._options.leeway_seconds,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
        return Principal(str(claims["sub"]), _scopes(claims))
