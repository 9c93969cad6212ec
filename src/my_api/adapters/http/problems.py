"""RFC 9457 problem responses: the one mapping from ``AppError`` to HTTP.

Every failure a client sees goes through ``problem``: AppError values from
pipelines, Starlette's HTTP exceptions (unknown route, wrong method, body too
large) and unexpected exceptions (``middleware/unexpected_errors.py``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import assert_never

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from my_api.adapters.http.json import ProblemResponse
from my_api.kernel import context
from my_api.kernel.errors import (
    AppError,
    Conflict,
    FieldError,
    Forbidden,
    InsufficientStock,
    InvalidInput,
    MalformedRequest,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unauthenticated,
    Unavailable,
    UnsupportedMediaType,
)

# Problem types this API defines; documented in docs/api.md#problems.
TYPE_ROOT = "/problems/"
# A problem stays small whatever the request: at most this many ``errors``
# entries (``errors_omitted`` counts the rest), each name and message cut short.
MAX_ERRORS = 50
_MAX_ECHO = 80
_MAX_MESSAGE = 200
_MAX_DETAIL = 400


def safe_text(text: str, limit: int = _MAX_ECHO) -> str:
    r"""Client text fit to repeat back: cut to ``limit`` characters, and any lone
    surrogate (which UTF-8, hence JSON, cannot carry) written as a ``\uXXXX`` escape.

    >>> safe_text("\ud800x")
    '\\ud800x'
    >>> safe_text("abcdef", limit=3)
    'abc…'
    """
    cut = text if len(text) <= limit else text[:limit] + "…"
    try:
        cut.encode("utf-8")
    except UnicodeEncodeError:
        return cut.encode("utf-8", "backslashreplace").decode("utf-8")
    return cut


def _echo(text: str) -> str:
    """Client text quoted back in a detail, cut short so a problem stays small."""
    return safe_text(text)


def _entries(errors: tuple[FieldError, ...]) -> list[dict[str, str]]:
    return [
        {
            "field": safe_text(error.field),
            "message": safe_text(error.message, _MAX_MESSAGE),
            "code": safe_text(error.code),
        }
        for error in errors[:MAX_ERRORS]
    ]


def problem(
    status: int,
    *,
    instance: str,
    slug: str | None = None,
    detail: str | None = None,
    errors: tuple[FieldError, ...] = (),
    headers: dict[str, str] | None = None,
) -> Response:
    detail = detail or HTTPStatus(status).description
    omitted = max(0, len(errors) - MAX_ERRORS)
    if omitted:
        detail += f" {omitted} more error(s) are not listed."
    document: dict[str, object] = {
        "type": TYPE_ROOT + slug if slug else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": safe_text(detail, _MAX_DETAIL),
        "instance": safe_text(instance, _MAX_DETAIL),
        "request_id": context.request_id.get(),
    }
    if errors:
        document["errors"] = _entries(errors)
    if omitted:
        document["errors_omitted"] = omitted
    return ProblemResponse(document, status_code=status, headers=headers)


def error_response(error: AppError, instance: str) -> Response:  # noqa: PLR0911, PLR0912 - one arm per variant
    match error:
        case NotFound(resource=resource, id=entity_id):
            return problem(
                404,
                instance=instance,
                slug="not-found",
                detail=f"No {resource} with id {_echo(entity_id)!r} exists.",
            )
        case InvalidInput(errors=errors, detail=detail):
            return problem(
                422, instance=instance, slug="invalid-input", detail=detail, errors=errors
            )
        case MalformedRequest(detail=detail, errors=errors):
            return problem(
                400, instance=instance, slug="malformed-request", detail=detail, errors=errors
            )
        case UnsupportedMediaType(content_type=content_type, accepted=accepted):
            return problem(
                415,
                instance=instance,
                slug="unsupported-media-type",
                detail=f"Content-Type {_echo(content_type)!r} is not accepted here; "
                f"send one of: {', '.join(accepted)}.",
            )
        case Conflict(detail=detail):
            return problem(409, instance=instance, slug="conflict", detail=detail)
        case InsufficientStock(errors=errors, detail=detail):
            return problem(
                409, instance=instance, slug="insufficient-stock", detail=detail, errors=errors
            )
        case PreconditionFailed(detail=detail):
            return problem(412, instance=instance, slug="precondition-failed", detail=detail)
        case PreconditionRequired(detail=detail):
            return problem(428, instance=instance, slug="precondition-required", detail=detail)
        case Unavailable(detail=detail):
            return problem(
                503,
                instance=instance,
                slug="unavailable",
                detail=detail,
                headers={"Retry-After": "1"},
            )
        case Unauthenticated(detail=detail, invalid=invalid):
            challenge = 'Bearer realm="my-api"'
            if invalid:
                challenge += f', error="invalid_token", error_description="{detail}"'
            return problem(
                401,
                instance=instance,
                slug="unauthenticated",
                detail=detail,
                headers={"WWW-Authenticate": challenge},
            )
        case Forbidden(scope=scope):
            return problem(
                403,
                instance=instance,
                slug="forbidden",
                detail=f"This request needs the scope {scope!r}.",
                headers={
                    "WWW-Authenticate": f'Bearer realm="my-api", error="insufficient_scope", '
                    f'scope="{scope}"'
                },
            )
        case _:
            assert_never(error)


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (404 route, 405 method, 413 body) as problems."""
    assert isinstance(exc, HTTPException)  # noqa: S101 - registered for HTTPException only
    return problem(
        exc.status_code,
        instance=request.url.path,
        detail=exc.detail if exc.detail != HTTPStatus(exc.status_code).phrase else None,
        headers=dict(exc.headers) if exc.headers else None,
    )
