"""JSON responses encoded once, by orjson, from already-unstructured documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def json_response(
    document: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(document, status_code=status_code, headers=headers)
