"""Generic CRUD pipelines: pure compositions of repository calls.

Each function takes the repository it works on and returns a
``FutureResult[..., AppError]``; none of them knows about HTTP, SQL or the
container. ``CrudUseCases`` runs them inside a unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, TypeAlias, TypeVar
from uuid import UUID

import attrs
from returns.future import FutureResult

from my_api.kernel.clock import Clock, IdFactory
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.listing import KeysetPage, KeysetRequest, ListQuery
from my_api.kernel.pagination import Page, PageRequest
from my_api.kernel.preconditions import Expectation
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.resource import Resource
from my_api.kernel.unit_of_work import UnitOfWork

E = TypeVar("E", bound=StoredEntity)
C = TypeVar("C", bound=attrs.AttrsInstance)

Repo = AsyncRepository[E, UUID]
Listing: TypeAlias = Page[E] | KeysetPage[E]


def create_entity(
    repo: Repo[E], resource: Resource[E, C], dto: C, *, entity_id: UUID, now: datetime
) -> FutureResult[E, AppError]:
    return repo.add(resource.new(dto, entity_id=entity_id, now=now))


def list_entities(repo: Repo[E], query: ListQuery) -> FutureResult[Listing[E], AppError]:
    window = query.window
    if isinstance(window, PageRequest):
        return offset_page(repo, query, window)
    return keyset_page(repo, query, window)


def offset_page(
    repo: Repo[E], query: ListQuery, request: PageRequest
) -> FutureResult[Listing[E], AppError]:
    return repo.count(query.filter).bind(
        lambda total: repo.list(
            query.filter, query.sort, limit=request.size, offset=request.offset
        ).map(lambda items: Page(items=items, total=total, request=request))
    )


def keyset_page(
    repo: Repo[E], query: ListQuery, request: KeysetRequest
) -> FutureResult[Listing[E], AppError]:
    """One row more than asked tells whether the walk goes on past this page."""
    keyset = request.keyset
    forward = keyset is None or keyset.after

    def window(rows: Sequence[E]) -> Listing[E]:
        more = len(rows) > request.limit
        items = list(rows[: request.limit])
        if not forward:
            items.reverse()
        if not items:
            return KeysetPage(items, None, None)
        first, last = query.sort.values(items[0]), query.sort.values(items[-1])
        if forward:
            return KeysetPage(items, last if more else None, first if keyset else None)
        return KeysetPage(items, last, first if more else None)

    listed = repo.list(query.filter, query.sort, limit=request.limit + 1, keyset=keyset)
    if forward:
        return listed.map(window)
    # Walking back can find nothing before the boundary (those rows were deleted
    # since): the first page is then the page before, not a dead end.
    return listed.bind(
        lambda rows: (
            FutureResult.from_value(window(rows))
            if rows
            else keyset_page(repo, query, KeysetRequest(request.limit))
        )
    )


def _current(repo: Repo[E], entity_id: UUID, expectation: Expectation) -> FutureResult[E, AppError]:
    """The live entity, once the client's ``If-Match`` (if any) has been honoured."""
    return (
        FutureResult.from_result(expectation.demanded())
        .bind(lambda _: repo.get(entity_id))
        .bind_result(expectation.check)
    )


def _save(
    repo: Repo[E],
    current: E,
    candidate: E,
    resource: Resource[E, C],
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    """Write ``candidate`` over ``current`` by compare-and-set; a no-op writes nothing."""
    if resource.writable(candidate) == resource.writable(current):
        return FutureResult.from_value(current)
    stamped = attrs.evolve(candidate, updated_at=now, version=current.version + 1)  # type: ignore[misc]
    return repo.update(stamped, expected_version=current.version).alt(expectation.lost_race)


def replace_entity(
    repo: Repo[E],
    resource: Resource[E, C],
    entity_id: UUID,
    dto: C,
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    return _current(repo, entity_id, expectation).bind(
        lambda current: _save(
            repo, current, resource.replaced(current, dto), resource, expectation, now
        )
    )


def patch_entity(
    repo: Repo[E],
    resource: Resource[E, C],
    entity_id: UUID,
    patch: Mapping[str, Any],
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    return _current(repo, entity_id, expectation).bind(
        lambda current: FutureResult.from_result(resource.patched(current, patch)).bind(
            lambda candidate: _save(repo, current, candidate, resource, expectation, now)
        )
    )


def delete_entity(
    repo: Repo[E], entity_id: UUID, expectation: Expectation, now: datetime
) -> FutureResult[None, AppError]:
    """Soft delete: the row stays, marked ``deleted_at``; it is a write like any other."""
    return _current(repo, entity_id, expectation).bind(
        lambda current: (
            repo.update(
                attrs.evolve(  # type: ignore[misc]
                    current, deleted_at=now, updated_at=now, version=current.version + 1
                ),
                expected_version=current.version,
            )
            .alt(expectation.lost_race)
            .map(lambda _: None)
        )
    )


@attrs.frozen
class CrudUseCases(Generic[E, C]):
    """The CRUD pipelines of one resource, each run in its own unit of work."""

    resource: Resource[E, C]
    uow: UnitOfWork
    clock: Clock
    new_id: IdFactory

    def create(self, dto: C) -> FutureResult[E, AppError]:
        entity_id, now = self.new_id(), self.clock()
        return self.uow.atomically(
            lambda s: create_entity(
                s.repository(self.resource.table), self.resource, dto, entity_id=entity_id, now=now
            )
        )

    def get(self, entity_id: UUID) -> FutureResult[E, AppError]:
        return self.uow.reading(lambda s: s.repository(self.resource.table).get(entity_id))

    def list(self, query: ListQuery) -> FutureResult[Listing[E], AppError]:
        # A snapshot, so a page's total agrees with its items under concurrent writes.
        return self.uow.snapshot(lambda s: list_entities(s.repository(self.resource.table), query))

    def replace(
        self, entity_id: UUID, dto: C, expectation: Expectation
    ) -> FutureResult[E, AppError]:
        now = self.clock()
        return self.uow.atomically(
            lambda s: replace_entity(
                s.repository(self.resource.table), self.resource, entity_id, dto, expectation, now
            )
        )

    def patch(
        self, entity_id: UUID, patch: Mapping[str, Any], expectation: Expectation
    ) -> FutureResult[E, AppError]:
        now = self.clock()
        return self.uow.atomically(
            lambda s: patch_entity(
                s.repository(self.resource.table), self.resource, entity_id, patch, expectation, now
            )
        )

    def delete(self, entity_id: UUID, expectation: Expectation) -> FutureResult[None, AppError]:
        now = self.clock()
        return self.uow.atomically(
            lambda s: delete_entity(s.repository(self.resource.table), entity_id, expectation, now)
        )
