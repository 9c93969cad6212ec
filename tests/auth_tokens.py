"""Keys and tokens for the authentication tests: an RSA pair, and a JWT factory."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ISSUER = "https://issuer.test/"
AUDIENCE = "my-api"


def rsa_pair() -> tuple[rsa.RSAPrivateKey, str]:
    """A private key and its public half as PEM text."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private, public.decode()


SIGNING_KEY, PUBLIC_PEM = rsa_pair()
OTHER_KEY, _ = rsa_pair()


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "client-42",
        "iat": now,
        "exp": now + 300,
        "scope": "items:read items:write",
    }
    base.update(overrides)
    return {key: value for key, value in base.items() if value is not None}


def token(
    key: Any = SIGNING_KEY, algorithm: str = "RS256", kid: str | None = None, **claim: Any
) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**claim), key, algorithm=algorithm, headers=headers)


def unsigned(**claim: Any) -> str:
    """The ``alg=none`` trick: a well-formed token with no signature at all."""
    return jwt.encode(claims(**claim), "", algorithm="none")


def hmac_forged(secret: bytes, **claim: Any) -> str:
    """An HS256 token signed by hand (pyjwt itself refuses a PEM key as an HMAC secret)."""

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    header = part(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = part(json.dumps(claims(**claim)).encode())
    signature = part(hmac.new(secret, header + b"." + payload, hashlib.sha256).digest())
    return (header + b"." + payload + b"." + signature).decode()
