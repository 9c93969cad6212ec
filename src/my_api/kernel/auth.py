"""Who is calling and what they may do: principals, scopes, and the pure checks.

A scope is ``<resource>:<action>``; the action follows from the HTTP method
(GET and HEAD read, everything else writes), so a new resource has its scopes
without declaring them. Authentication itself is a port (``Authenticate``):
API keys (``kernel/api_keys.py``) and JWTs (``adapters/http/auth_jwt.py``)
each serve it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable

import attrs
from returns.future import FutureResult
from returns.result import Failure, Result, Success

from my_api.kernel.errors import AppError, Forbidden

_SCOPE = re.compile(r"[a-z][a-z0-9_-]{0,62}:(read|write)")
_READS = frozenset({"GET", "HEAD"})


class Action(enum.Enum):
    READ = "read"
    WRITE = "write"


def action_of(method: str) -> Action:
    """
    >>> action_of("HEAD"), action_of("DELETE")
    (<Action.READ: 'read'>, <Action.WRITE: 'write'>)
    """
    return Action.READ if method.upper() in _READS else Action.WRITE


def scope_for(resource: str, action: Action) -> str:
    """
    >>> scope_for("items", Action.WRITE)
    'items:write'
    """
    return f"{resource}:{action.value}"


def is_scope(text: str) -> bool:
    """
    >>> is_scope("orders:read"), is_scope("orders:*"), is_scope("Items:write")
    (True, False, False)
    """
    return _SCOPE.fullmatch(text) is not None


@attrs.frozen
class Principal:
    """An authenticated caller: who (never a secret) and which scopes it holds."""

    subject: str
    scopes: frozenset[str]

    @classmethod
    def of(cls, subject: str, scopes: Iterable[str]) -> Principal:
        return cls(subject, frozenset(scopes))


def authorize(principal: Principal, scope: str) -> Result[Principal, AppError]:
    """The principal, if it holds ``scope``; else a ``Forbidden`` naming it.

    >>> authorize(Principal.of("ci", ["items:read"]), "items:write").failure()
    Forbidden(scope='items:write')
    """
    if scope in principal.scopes:
        return Success(principal)
    return Failure(Forbidden(scope))


# The port: a bearer token in, a principal or ``Unauthenticated`` out.
Authenticate = Callable[[str], FutureResult[Principal, AppError]]
