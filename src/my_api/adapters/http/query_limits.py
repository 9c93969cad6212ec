"""How much one list query may ask for, checked while it is parsed, before any SQL.

The databases have their own limits (SQLite: an expression depth of 1000, a parser
stack about 100 deep; PostgreSQL: 32,767 bound arguments), and Python its recursion
limit. A query past them can never succeed, so it is refused here as the client's
mistake (400), naming the limit, rather than failing later as an outage (503) or a
crash (500). The defaults stay well inside every one of them; see
docs/query-language.md#limits.
"""

from __future__ import annotations

import attrs

from my_api.adapters.http.query_scanner import InvalidQuery

# Below PostgreSQL's 32,767 bound arguments, with room for a keyset and the window;
# whatever the settings, the values of all ``in`` lists together stay under it.
MAX_BOUND_VALUES = 30_000


@attrs.frozen
class QueryLimits:
    """``max_depth``: groups nested in groups; ``max_terms``: conditions in the whole
    query; ``max_in_values``: values in one ``in`` list; ``max_length``: characters
    of the decoded query string (names, values and separators).
    """

    max_depth: int = 8
    max_terms: int = 64
    max_in_values: int = 500
    max_length: int = 16_384


class LimitExceeded(InvalidQuery):
    """A parameter went past a limit; ``code`` names which."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class Budget:
    """What is left of the limits while one query is read."""

    def __init__(self, limits: QueryLimits) -> None:
        self.limits = limits
        self._terms = 0
        self._values = 0

    def nest(self, depth: int) -> None:
        """Called on entering a group at ``depth`` (a top-level group is 1)."""
        if depth > self.limits.max_depth:
            raise LimitExceeded(
                "too_deep", f"groups may nest at most {self.limits.max_depth} levels deep"
            )

    def term(self) -> None:
        self._terms += 1
        if self._terms > self.limits.max_terms:
            raise LimitExceeded(
                "too_many_terms",
                f"the query may hold at most {self.limits.max_terms} conditions in all",
            )

    def in_values(self, count: int) -> None:
        if count > self.limits.max_in_values:
            raise LimitExceeded(
                "too_many_values",
                f"an in list may hold at most {self.limits.max_in_values} values",
            )
        self._values += count
        if self._values > MAX_BOUND_VALUES:
            raise LimitExceeded(
                "too_many_values",
                f"the in lists may hold at most {MAX_BOUND_VALUES} values in all",
            )

    @property
    def exhausted(self) -> bool:
        """Past a limit that every later parameter would only add to."""
        return self._terms > self.limits.max_terms or self._values > MAX_BOUND_VALUES


def query_length(params: list[tuple[str, str]]) -> int:
    """The decoded query string's length: ``key=value`` pairs joined by ``&``.

    >>> query_length([("a", "1"), ("bb", "")])
    7
    """
    return sum(len(key) + len(value) + 2 for key, value in params) - 1 if params else 0
