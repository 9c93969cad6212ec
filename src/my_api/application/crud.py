"""Generic CRUD pipelines: pure compositions of repository calls.

Reads take the repository they read; writes take the unit of work's ``Writing``
(its session, its one time, ids) and answer the written entity together with
the domain events of the write (``Emitted``). Each returns a
``FutureResult[..., AppError]``; none of them knows about HTTP, SQL, the
container or the buses: ``handlers.py`` registers them on the buses, which run
each in a unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

import attrs
from returns.curry import partial
from returns.future import FutureResult
from returns.pipeline import flow
from returns.pointfree import bind, bind_result, map_
from returns.result import Result

from my_api.application.writes import Change, current_entity, evolved, recorded, store
from my_api.kernel.bus import Writing
from my_api.kernel.entity import StoredEntity
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted
from my_api.kernel.listing import KeysetPage, KeysetRequest, Listing, ListQuery
from my_api.kernel.pagination import Page, PageRequest
from my_api.kernel.preconditions import Expectation
from my_api.kernel.repository import AsyncRepository
from my_api.kernel.resource import Resource

E = TypeVar("E", bound=StoredEntity)
C = TypeVar("C", bound=attrs.AttrsInstance)

Repo = AsyncRepository[E, UUID]


def create_entity(
    resource: Resource[E, C], dto: C, writing: Writing
) -> FutureResult[Emitted[E], AppError]:
    """Store a new entity made from ``dto`` (or as the resource's own ``create`` says)."""
    if resource.create is not None:
        return resource.create(dto, writing)
    entity = resource.new(dto, entity_id=writing.new_id(), now=writing.now)
    stored = writing.session.repository(resource.table).add(entity)
    return stored.map(lambda created: recorded(resource, "created", created, writing))


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
    resource: Resource[E, C], change: Change[E], expectation: Expectation, writing: Writing
) -> FutureResult[Emitted[E], AppError]:
    """``store`` the change, unless it leaves the client's state as it was: that writes
    nothing, so it emits nothing either.
    """
    if resource.writable(change.successor) == resource.writable(change.current):
        return FutureResult.from_value(Emitted(change.current))
    repo = writing.session.repository(resource.table)
    stored = store(repo, change, expectation, writing.now)
    return stored.map(lambda entity: recorded(resource, "updated", entity, writing))


def replace_entity(
    resource: Resource[E, C],
    entity_id: UUID,
    dto: C,
    expectation: Expectation,
    writing: Writing,
) -> FutureResult[Emitted[E], AppError]:
    def replacement(current: E) -> Change[E]:
        return Change(current, resource.replaced(current, dto))

    def save(change: Change[E]) -> FutureResult[Emitted[E], AppError]:
        return _save(resource, change, expectation, writing)

    repo = writing.session.repository(resource.table)
    return flow(current_entity(repo, entity_id, expectation), map_(replacement), bind(save))


def patch_entity(
    resource: Resource[E, C],
    entity_id: UUID,
    patch: Mapping[str, Any],
    expectation: Expectation,
    writing: Writing,
) -> FutureResult[Emitted[E], AppError]:
    def patched(current: E) -> Result[Change[E], AppError]:
        return resource.patched(current, patch).map(partial(Change, current))

    def save(change: Change[E]) -> FutureResult[Emitted[E], AppError]:
        return _save(resource, change, expectation, writing)

    repo = writing.session.repository(resource.table)
    return flow(current_entity(repo, entity_id, expectation), bind_result(patched), bind(save))


def delete_entity(
    resource: Resource[E, C], entity_id: UUID, expectation: Expectation, writing: Writing
) -> FutureResult[Emitted[None], AppError]:
    """Soft delete: the row stays, marked ``deleted_at``; it is a write like any other.
    The event carries the entity as it was when deleted, with its final version.
    """
    repo = writing.session.repository(resource.table)
    may_delete = resource.may_delete

    def allowed(current: E) -> FutureResult[E, AppError]:
        if may_delete is None:
            return FutureResult.from_value(current)
        return may_delete(writing.session, current).map(lambda _: current)

    def deletion(current: E) -> Change[E]:
        return Change(current, evolved(current, deleted_at=writing.now))

    def save(change: Change[E]) -> FutureResult[Emitted[None], AppError]:
        stored = store(repo, change, expectation, writing.now)
        return stored.map(lambda gone: recorded(resource, "deleted", gone, writing).map(_nothing))

    return flow(
        current_entity(repo, entity_id, expectation),
        bind(allowed),
        map_(deletion),
        bind(save),
    )


def _nothing(_: object) -> None:
    return None
