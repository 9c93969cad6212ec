"""The one place where a finished ``IOResult`` is opened into a plain ``Result``.

returns recommends keeping unsafe unwrapping in a single module. Callers are
edges that have already performed the IO: units of work (to decide commit or
rollback) and HTTP endpoints (to build a response).
"""

from __future__ import annotations

from typing import TypeVar

from returns.io import IOResult
from returns.result import Result

T = TypeVar("T")
E = TypeVar("E")


def performed(outcome: IOResult[T, E]) -> Result[T, E]:
    """The ``Result`` inside an ``IOResult`` whose effects have already happened."""
    return outcome._inner_value
