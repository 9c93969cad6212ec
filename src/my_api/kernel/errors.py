"""The closed vocabulary of failures a use case can return.

Every pipeline returns ``FutureResult[T, AppError]``; nothing raises across a
use-case boundary. The HTTP edge maps each variant to one RFC 9457 problem
(see ``adapters/api/problems.py``); the mapping is total because the union is
closed.
"""

from __future__ import annotations

from typing import TypeAlias

import attrs


@attrs.frozen
class FieldError:
    """One reason one input field was refused."""

    field: str
    message: str
    code: str


@attrs.frozen
class NotFound:
    resource: str
    id: str


@attrs.frozen
class InvalidInput:
    """Values that parsed but break the rules (HTTP 422)."""

    errors: tuple[FieldError, ...]
    detail: str = "The request contains invalid values."


@attrs.frozen
class MalformedRequest:
    """Input that cannot be read at all: bad JSON, bad query syntax (HTTP 400)."""

    detail: str
    errors: tuple[FieldError, ...] = ()


@attrs.frozen
class UnsupportedMediaType:
    content_type: str
    accepted: tuple[str, ...]


@attrs.frozen
class Conflict:
    detail: str


@attrs.frozen
class InsufficientStock:
    """Some lines ask for more units than their items hold (HTTP 409); ``errors`` names
    every short line (``lines[i].quantity``) and only those.
    """

    errors: tuple[FieldError, ...]
    detail: str = "There is not enough stock for every line; nothing was reserved."


@attrs.frozen
class PreconditionFailed:
    """``If-Match`` named a version that is no longer current (HTTP 412)."""

    detail: str = "The resource has changed since the given ETag was issued."


@attrs.frozen
class PreconditionRequired:
    """The server requires ``If-Match`` on writes and none was sent (HTTP 428)."""

    detail: str = "This request must carry an If-Match header."


@attrs.frozen
class Unavailable:
    """A dependency (database, cache) cannot serve right now (HTTP 503).

    ``detail`` is for clients and never carries driver text.
    """

    dependency: str
    detail: str = "A dependency is temporarily unavailable."


@attrs.frozen
class Unauthenticated:
    """No credential, or one that does not hold (HTTP 401 with ``WWW-Authenticate``).

    ``invalid`` is true when a credential was presented and refused (RFC 6750's
    ``invalid_token``). ``detail`` is for clients and never quotes the credential.
    """

    detail: str = "This request needs a credential: send Authorization: Bearer <token>."
    invalid: bool = False


@attrs.frozen
class Forbidden:
    """An authenticated caller without the scope a request needs (HTTP 403)."""

    scope: str


AppError: TypeAlias = (
    NotFound
    | InvalidInput
    | MalformedRequest
    | UnsupportedMediaType
    | Conflict
    | InsufficientStock
    | PreconditionFailed
    | PreconditionRequired
    | Unavailable
    | Unauthenticated
    | Forbidden
)
