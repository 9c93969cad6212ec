"""Query-string parsing for list endpoints: a pure function to a value or a 400."""

from __future__ import annotations

from collections.abc import Iterable

from returns.result import Failure, Result, Success

from my_api.core.errors import AppError, FieldError, MalformedRequest
from my_api.shared.pagination import MAX_PAGE, MAX_PAGE_SIZE, PageRequest

_BOUNDS = {"page": (1, MAX_PAGE), "size": (1, MAX_PAGE_SIZE)}


def page_request(params: Iterable[tuple[str, str]]) -> Result[PageRequest, AppError]:
    """
    >>> page_request([("page", "2"), ("size", "10")]).unwrap()
    PageRequest(page=2, size=10)
    >>> [e.field for e in page_request([("size", "0"), ("colour", "red")]).failure().errors]
    ['size', 'colour']
    """
    values: dict[str, int] = {}
    errors: list[FieldError] = []
    seen: set[str] = set()
    for name, raw in params:
        if name not in _BOUNDS:
            errors.append(FieldError(name, "is not a known query parameter", "unknown_parameter"))
            continue
        if name in seen:
            errors.append(FieldError(name, "must be given at most once", "repeated_parameter"))
            continue
        seen.add(name)
        low, high = _BOUNDS[name]
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9) or not low <= int(raw) <= high:
            errors.append(
                FieldError(name, f"must be an integer from {low} to {high}", "out_of_range")
            )
            continue
        values[name] = int(raw)
    if errors:
        return Failure(MalformedRequest("The query string is not valid.", tuple(errors)))
    return Success(PageRequest(**values))
