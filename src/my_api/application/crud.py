"""Generic CRUD pipelines: pure compositions of repository calls.

Each function takes the repository it works on and returns a
``FutureResult[..., AppError]``; none of them knows about HTTP, SQL or the
container. ``CrudUseCases`` runs them inside a unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, Generic, TypeAlias, TypeVar
from uuid import UUID

import attrs
from returns.future import FutureResult
from returns.pipeline import flow
from returns.pointfree import bind, bind_result, map_
from returns.result import Result

from my_api.application.writes import Change, current_entity, evolved, store
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
    def items_counted(total: int) -> FutureResult[Listing[E], AppError]:
        listed = repo.list(query.filter, query.sort, limit=request.size, offset=request.offset)
        return listed.map(lambda items: Page(items=items, total=total, request=request))

    return flow(repo.count(query.filter), bind(items_counted))


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

    def window_or_first_page(rows: Sequence[E]) -> FutureResult[Listing[E], AppError]:
        # Walking back can find nothing before the boundary (those rows were deleted
        # since): the first page is then the page before, not a dead end.
        if rows:
            return FutureResult.from_value(window(rows))
        return keyset_page(repo, query, KeysetRequest(request.limit))

    listed = repo.list(query.filter, query.sort, limit=request.limit + 1, keyset=keyset)
    if forward:
        return listed.map(window)
    return listed.bind(window_or_first_page)


def _save(
    repo: Repo[E],
    resource: Resource[E, C],
    change: Change[E],
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    """``store`` the change, unless it leaves the client's state as it was: that writes nothing."""
    if resource.writable(change.successor) == resource.writable(change.current):
        return FutureResult.from_value(change.current)
    return store(repo, change, expectation, now)


def replace_entity(
    repo: Repo[E],
    resource: Resource[E, C],
    entity_id: UUID,
    dto: C,
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    def replacement(current: E) -> Change[E]:
        return Change(current, resource.replaced(current, dto))

    def save(change: Change[E]) -> FutureResult[E, AppError]:
        return _save(repo, resource, change, expectation, now)

    return flow(current_entity(repo, entity_id, expectation), map_(replacement), bind(save))


def patch_entity(
    repo: Repo[E],
    resource: Resource[E, C],
    entity_id: UUID,
    patch: Mapping[str, Any],
    expectation: Expectation,
    now: datetime,
) -> FutureResult[E, AppError]:
    def patched(current: E) -> Result[Change[E], AppError]:
        return resource.patched(current, patch).map(partial(Change, current))

    def save(change: Change[E]) -> FutureResult[E, AppError]:
        return _save(repo, resource, change, expectation, now)

    return flow(current_entity(repo, entity_id, expectation), bind_result(patched), bind(save))


def delete_entity(
    repo: Repo[E], entity_id: UUID, expectation: Expectation, now: datetime
) -> FutureResult[None, AppError]:
    """Soft delete: the row stays, marked ``deleted_at``; it is a write like any other."""

    def deletion(current: E) -> Change[E]:
        return Change(current, evolved(current, deleted_at=now))

    def save(change: Change[E]) -> FutureResult[E, AppError]:
        return store(repo, change, expectation, now)

    return flow(
        current_entity(repo, entity_id, expectation),
        map_(deletion),
        bind(save),
        map_(lambda _: None),
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
