"""Opaque, signed keyset cursors, bound to the filter and sort they were issued for.

A token is ``base64url(payload) . base64url(HMAC-SHA256(secret, payload))``.
The payload holds the boundary row's sort values, the walking direction and a
fingerprint of the query; a token that was altered, signed with another
secret, or replayed with another filter or sort is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

import attrs
import orjson
from returns.result import Failure, Result, Success

from my_api.kernel.converter import CONVERTER
from my_api.kernel.keyset import Keyset
from my_api.kernel.table import ColumnType

_B64 = re.compile(r"[A-Za-z0-9_-]*")

_DECODERS: dict[ColumnType, Any] = {
    ColumnType.UUID: UUID,
    ColumnType.TEXT: str,
    ColumnType.INTEGER: int,
    ColumnType.DECIMAL: Decimal,
    ColumnType.CENTS: Decimal,
    ColumnType.TIMESTAMP: datetime.fromisoformat,
}


@attrs.frozen
class CursorCodec:
    secret: bytes

    def encode(self, keyset: Keyset, fingerprint: str) -> str:
        payload = orjson.dumps(
            {
                "b": [CONVERTER.unstructure(value) for value in keyset.boundary],
                "a": keyset.after,
                "f": fingerprint,
            }
        )
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(
        self, token: str, fingerprint: str, types: Sequence[ColumnType]
    ) -> Result[Keyset, str]:
        body, _, signature = token.partition(".")
        try:
            payload = _unb64(body)
            valid = hmac.compare_digest(_unb64(signature), self._sign(payload))
        except (binascii.Error, ValueError):
            return Failure("is not a cursor issued by this service")
        if not valid:
            return Failure("is not a cursor issued by this service")
        document = orjson.loads(payload)
        if document["f"] != fingerprint:
            return Failure("was issued for a different filter or sort")
        values = document["b"]
        if len(values) != len(types):
            return Failure("was issued for a different filter or sort")
        try:
            boundary = tuple(
                None if value is None else _DECODERS[kind](value)
                for kind, value in zip(types, values, strict=True)
            )
        except (ValueError, TypeError, InvalidOperation):  # pragma: no cover - signed by us
            return Failure("is not a cursor issued by this service")
        return Success(Keyset(boundary, after=bool(document["a"])))

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self.secret, payload, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    """Strict: only the canonical unpadded URL-safe form we issue decodes."""
    if not _B64.fullmatch(text):
        raise ValueError("not base64url")
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(raw) != text:
        raise ValueError("not canonical base64url")
    return raw
