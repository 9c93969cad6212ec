"""Time and identity as injected values, so pipelines stay deterministic in tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID

import uuid6


class Clock(Protocol):
    def __call__(self) -> datetime: ...


class IdFactory(Protocol):
    def __call__(self) -> UUID: ...


def utc_now() -> datetime:
    """Now, in UTC, at the microsecond precision both databases keep."""
    return datetime.now(UTC)


def new_id() -> UUID:
    """A time-ordered UUIDv7: new rows land at the end of the primary-key index."""
    return UUID(bytes=uuid6.uuid7().bytes)
