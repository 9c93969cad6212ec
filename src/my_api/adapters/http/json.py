"""JSON responses encoded once, by orjson, from already-unstructured documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from starlette.responses import Response

_FRAMING = frozenset({"content-length", "content-type"})


class JSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Starlette's version, less its general search, for the usual case: a body,
        and callers that set neither Content-Length nor Content-Type. Anything else
        (a status without a body, a caller's own framing header) goes to Starlette's.
        """
        if (
            self.status_code < 200
            or self.status_code in (204, 304)
            or (headers and any(name.lower() in _FRAMING for name in headers))
        ):
            super().init_headers(headers)
            return
        self.raw_headers = [
            (b"content-length", str(len(self.body)).encode("latin-1")),
            (b"content-type", self.media_type.encode("latin-1")),
        ]
        if headers:
            self.raw_headers += [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in headers.items()
            ]


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def json_response(
    document: Any, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(document, status_code=status_code, headers=headers)
