"""API keys in a dict: the oracle the SQL store is held to (tests/contract)."""

from __future__ import annotations

from datetime import datetime

import attrs
from returns.future import FutureResult

from my_api.kernel.api_keys import ApiKey
from my_api.kernel.errors import AppError, Conflict


class InMemoryApiKeys:
    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}

    def add(self, key: ApiKey) -> FutureResult[None, AppError]:
        if key.id in self.keys:
            return FutureResult.from_failure(
                Conflict("A resource with the same identity already exists.")
            )
        self.keys[key.id] = key
        return FutureResult.from_value(None)

    def find(self, key_id: str) -> FutureResult[ApiKey | None, AppError]:
        return FutureResult.from_value(self.keys.get(key_id))

    def all(self) -> FutureResult[tuple[ApiKey, ...], AppError]:
        ordered = sorted(self.keys.values(), key=lambda key: (key.created_at, key.id))
        return FutureResult.from_value(tuple(ordered))

    def revoke(self, key_id: str, at: datetime) -> FutureResult[ApiKey | None, AppError]:
        key = self.keys.get(key_id)
        if key is None or key.revoked_at is not None:
            return FutureResult.from_value(None)
        revoked = attrs.evolve(key, revoked_at=at)
        self.keys[key_id] = revoked
        return FutureResult.from_value(revoked)
