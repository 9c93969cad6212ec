"""What a client asserts about the version it is writing over (``If-Match``).

Parsed at the HTTP edge, checked inside the pipeline. Comparison is strong,
as RFC 9110 requires for ``If-Match``.
"""

from __future__ import annotations

from typing import TypeVar

import attrs
from returns.result import Failure, Result, Success

from my_api.kernel.entity import Versioned
from my_api.kernel.errors import AppError, Conflict, PreconditionFailed, PreconditionRequired

V = TypeVar("V", bound=Versioned)


@attrs.frozen
class Expectation:
    """``sent`` is False when no ``If-Match`` came; ``versions`` None means ``*``."""

    sent: bool = False
    versions: frozenset[int] | None = frozenset()
    required: bool = False

    @classmethod
    def none(cls, *, required: bool = False) -> Expectation:
        return cls(sent=False, required=required)

    @classmethod
    def any_version(cls) -> Expectation:
        return cls(sent=True, versions=None)

    @classmethod
    def one_of(cls, *versions: int) -> Expectation:
        return cls(sent=True, versions=frozenset(versions))

    def demanded(self) -> Result[None, AppError]:
        """428 before any IO when the server requires ``If-Match`` and it is missing."""
        if self.required and not self.sent:
            return Failure(PreconditionRequired())
        return Success(None)

    def check(self, current: V) -> Result[V, AppError]:
        if not self.sent or self.versions is None or current.version in self.versions:
            return Success(current)
        return Failure(PreconditionFailed())

    def lost_race(self, error: AppError) -> AppError:
        """A compare-and-set that lost to a concurrent writer.

        With ``If-Match`` naming versions that is a failed precondition (412);
        without one, or with ``*`` (which asserts only that the resource
        exists), it is a plain conflict to retry (409).
        """
        if isinstance(error, PreconditionFailed) and (not self.sent or self.versions is None):
            return Conflict("The resource was modified concurrently; fetch it and retry.")
        return error
