"""The repository port: how pipelines read and write one kind of entity.

Every adapter (SQL on SQLite and PostgreSQL, in-memory) passes the same
contract suite, ``tests/contract/test_repository_contract.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar, runtime_checkable

from returns.future import FutureResult

from my_api.kernel.errors import AppError
from my_api.kernel.keyset import Keyset
from my_api.kernel.sorting import Sort
from my_api.kernel.specification import Specification

E = TypeVar("E")
ID_contra = TypeVar("ID_contra", contravariant=True)


@runtime_checkable
class AsyncRepository(Protocol[E, ID_contra]):
    """Live (not soft-deleted) entities of one type, keyed by ``ID``."""

    def get(self, entity_id: ID_contra) -> FutureResult[E, AppError]:
        """The live entity, or ``NotFound``."""

    def claim(
        self, entity_id: ID_contra, *, include_deleted: bool = False
    ) -> FutureResult[E, AppError]:
        """Like ``get``, and the row stays locked against other writers until the unit of
        work ends: read-check-write pipelines (stock) then never act on a stale read.
        With ``include_deleted``, a soft-deleted entity is returned too (giving stock
        back to an item deleted since). ``NotFound`` when there is no such entity.

        Claim rows in a fixed order (by id): two units may then wait on each other, but
        never in a cycle (no deadlock).
        """

    def add(self, entity: E) -> FutureResult[E, AppError]:
        """Store a new entity; an existing id is a ``Conflict``."""

    def update(
        self, entity: E, *, expected_version: int, include_deleted: bool = False
    ) -> FutureResult[E, AppError]:
        """Compare-and-set: write ``entity`` only if the stored live row still has
        ``expected_version``; otherwise ``PreconditionFailed`` and nothing changes.
        Soft deletion is an update that sets ``deleted_at``.

        With ``include_deleted`` the stored row may also be soft-deleted; it then stays
        as ``entity`` says, so keep its ``deleted_at`` (only a claimed, deleted row's
        own successor should be written this way).
        """

    def list(
        self,
        spec: Specification | None,
        sort: Sort,
        *,
        limit: int,
        offset: int = 0,
        keyset: Keyset | None = None,
    ) -> FutureResult[Sequence[E], AppError]:
        """Live entities satisfying ``spec``, in ``sort`` order, windowed.

        With a keyset, only rows strictly beyond its boundary; walking backwards
        (``keyset.after`` false) they come nearest-the-boundary first, i.e. in
        reverse ``sort`` order.
        """

    def count(self, spec: Specification | None = None) -> FutureResult[int, AppError]:
        """How many live entities satisfy ``spec``."""
