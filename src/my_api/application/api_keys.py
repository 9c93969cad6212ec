"""API key use cases: create (the token shown once), list, revoke, authenticate."""

from __future__ import annotations

from collections.abc import Sequence

from returns.future import FutureResult

from my_api.kernel import api_keys
from my_api.kernel.api_keys import ApiKey, ApiKeyStore, IssuedKey
from my_api.kernel.auth import Principal, is_scope
from my_api.kernel.clock import Clock
from my_api.kernel.errors import AppError, FieldError, InvalidInput, NotFound

_MAX_NAME = 100


def _checked(name: str, scopes: Sequence[str]) -> list[FieldError]:
    errors = []
    if not 1 <= len(name) <= _MAX_NAME or not name.isprintable():
        errors.append(FieldError("name", f"must be 1-{_MAX_NAME} printable characters", "invalid"))
    if not scopes:
        errors.append(FieldError("scopes", "name at least one scope", "required"))
    errors.extend(
        FieldError("scopes", f"{scope!r} is not <resource>:read or <resource>:write", "invalid")
        for scope in scopes
        if not is_scope(scope)
    )
    return errors


class ApiKeyUseCases:
    def __init__(self, store: ApiKeyStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def create(self, name: str, scopes: Sequence[str]) -> FutureResult[IssuedKey, AppError]:
        errors = _checked(name, scopes)
        if errors:
            return FutureResult.from_failure(InvalidInput(tuple(errors)))
        issued = api_keys.issue(name, scopes, self._clock())
        return self._store.add(issued.key).map(lambda _: issued)

    def list(self) -> FutureResult[tuple[ApiKey, ...], AppError]:
        return self._store.all()

    def revoke(self, key_id: str) -> FutureResult[ApiKey, AppError]:
        def found(key: ApiKey | None) -> FutureResult[ApiKey, AppError]:
            if key is None:
                return FutureResult.from_failure(NotFound("live API key", key_id))
            return FutureResult.from_value(key)

        return self._store.revoke(key_id, self._clock()).bind(found)

    def authenticate(self, token: str) -> FutureResult[Principal, AppError]:
        """The ``Authenticate`` port served by stored keys."""
        key = api_keys.presented(token)
        if key is None:
            return FutureResult.from_failure(api_keys.INVALID_KEY)
        return self._store.find(key.id).bind_result(
            lambda stored: api_keys.verified(stored, key.secret)
        )
