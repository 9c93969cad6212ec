"""Offset pagination: the request a client makes and the page it gets back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic, TypeVar

import attrs

T = TypeVar("T")

MAX_PAGE_SIZE = 100
# Bounds OFFSET so it always fits the databases' 64-bit integers.
MAX_PAGE = 10_000_000


@attrs.frozen
class PageRequest:
    page: int = attrs.field(default=1, validator=attrs.validators.in_(range(1, MAX_PAGE + 1)))
    size: int = attrs.field(default=20, validator=attrs.validators.in_(range(1, MAX_PAGE_SIZE + 1)))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@attrs.frozen
class Page(Generic[T]):
    """One page plus what a client needs to walk the rest (the seed's PaginatedResponse).

    >>> p = Page(items=("a", "b"), total=5, request=PageRequest(page=2, size=2))
    >>> (p.pages, p.has_next, p.has_previous)
    (3, True, True)
    """

    items: Sequence[T]
    total: int
    request: PageRequest

    @property
    def pages(self) -> int:
        return -(-self.total // self.request.size)

    @property
    def has_next(self) -> bool:
        return self.request.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.request.page > 1
