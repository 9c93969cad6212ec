"""Reading a JSON request body into a plain object, or a problem saying why not.

Numbers are parsed exactly (``Decimal``, never float), ``NaN``/``Infinity``
and duplicate keys are refused, and the body must be one JSON object.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from returns.result import Failure, Result, Success
from starlette.requests import Request

from my_api.kernel.converter import UnrepresentableNumber
from my_api.kernel.errors import AppError, MalformedRequest, UnsupportedMediaType

JSON = ("application/json",)
MERGE_PATCH = ("application/merge-patch+json", "application/json")


class _Refused(ValueError):
    pass


def _no_constants(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        raise _Refused("an object repeats a key")
    return document


def _number(text: str) -> Decimal | UnrepresentableNumber:
    """A JSON number with a fraction or an exponent, exactly; ``Decimal`` refuses
    exponents past about 10**18 (``InvalidOperation``, not a ``ValueError``).
    """
    try:
        return Decimal(text)
    except InvalidOperation:
        return UnrepresentableNumber(text[:40])


# Built once: ``json.loads`` with options builds a new decoder on every call.
_DECODER = json.JSONDecoder(
    parse_float=_number, parse_constant=_no_constants, object_pairs_hook=_unique_keys
)


def media_type_error(content_type: str | None, accepted: tuple[str, ...]) -> AppError | None:
    """None if ``content_type`` is one of ``accepted`` (in UTF-8), else the 415 error.

    Parameters other than ``charset`` are allowed and ignored (RFC 9110 8.3.1).

    >>> media_type_error("application/json; charset=UTF-8; profile=x", JSON) is None
    True
    """
    if content_type in accepted:  # the common case: a bare media type, nothing to parse
        return None
    media, *parameters = (content_type or "").split(";")
    charsets = {
        value.strip().strip('"').lower()
        for name, _, value in (parameter.partition("=") for parameter in parameters)
        if name.strip().lower() == "charset"
    }
    if media.strip().lower() in accepted and charsets <= {"utf-8"}:
        return None
    return UnsupportedMediaType(content_type or "(none)", accepted)


def parse_object(raw: bytes) -> Result[dict[str, Any], AppError]:
    """
    >>> parse_object(b'{"price": 1.10}').unwrap()
    {'price': Decimal('1.10')}
    >>> parse_object(b'[1]').failure().detail
    'The request body must be a JSON object.'
    """
    try:
        document = _DECODER.decode(raw.decode("utf-8"))
    except _Refused as refused:
        return Failure(MalformedRequest(f"The request body is not acceptable JSON: {refused}."))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return Failure(MalformedRequest("The request body is not valid UTF-8 JSON."))
    if not isinstance(document, dict):
        return Failure(MalformedRequest("The request body must be a JSON object."))
    return Success(document)


async def read_object(
    request: Request, accepted: tuple[str, ...]
) -> Result[dict[str, Any], AppError]:
    refused = media_type_error(request.headers.get("content-type"), accepted)
    if refused is not None:
        return Failure(refused)
    return parse_object(await request.body())


async def read_object_or_nothing(
    request: Request, accepted: tuple[str, ...]
) -> Result[dict[str, Any], AppError]:
    """Like ``read_object``, but no body at all reads as ``{}``.

    For commands: one without input is sent bare (``POST .../cancel``), and one
    whose DTO has required fields then answers 422 naming them.
    """
    raw = await request.body()
    if not raw:
        return Success({})
    refused = media_type_error(request.headers.get("content-type"), accepted)
    if refused is not None:
        return Failure(refused)
    return parse_object(raw)
