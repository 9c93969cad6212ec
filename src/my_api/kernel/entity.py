"""Structural protocols every stored entity satisfies.

Entities never inherit from these: a frozen attrs class with the right
attributes *is* ``Identifiable`` and so on. Members are read-only properties
so that frozen classes match.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID


@runtime_checkable
class Identifiable(Protocol):
    @property
    def id(self) -> UUID: ...


@runtime_checkable
class Timestamped(Protocol):
    @property
    def created_at(self) -> datetime: ...

    @property
    def updated_at(self) -> datetime: ...


@runtime_checkable
class SoftDeletable(Protocol):
    @property
    def deleted_at(self) -> datetime | None: ...


@runtime_checkable
class Versioned(Protocol):
    """``version`` starts at 1 and grows by one with every stored write."""

    @property
    def version(self) -> int: ...


@runtime_checkable
class StoredEntity(Identifiable, Timestamped, SoftDeletable, Versioned, Protocol):
    """What the generic repository and CRUD pipelines require of an entity."""


# Bookkeeping attributes the generics own; DTOs never carry them.
BOOKKEEPING_FIELDS = frozenset({"id", "created_at", "updated_at", "deleted_at", "version"})
