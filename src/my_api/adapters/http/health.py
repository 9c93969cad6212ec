"""Liveness and readiness. Readiness asks the database, with a bounded wait."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from returns.future import FutureResult
from returns.result import Failure
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from my_api.adapters.http.json import json_response
from my_api.adapters.http.problems import error_response
from my_api.kernel.errors import AppError, Unavailable
from my_api.kernel.io_edge import performed

log = logging.getLogger(__name__)


# Asks the database for one trivial answer; a failure is a value.
Probe = Callable[[], FutureResult[None, AppError]]

UNREACHABLE = Unavailable("database", "The database is not reachable.")


def health_routes(probe: Probe, *, timeout_seconds: float) -> list[Route]:
    async def live(_: Request) -> Response:
        return json_response({"status": "ok"})

    async def ready(request: Request) -> Response:
        try:
            async with asyncio.timeout(timeout_seconds):
                answered = performed(await probe())
        except TimeoutError:
            log.warning("readiness check failed: no answer in %s s", timeout_seconds)
            return error_response(UNREACHABLE, request.url.path)
        if isinstance(answered, Failure):
            # The probe logged the driver's text; the client learns only which dependency.
            return error_response(UNREACHABLE, request.url.path)
        return json_response({"status": "ok", "checks": {"database": "ok"}})

    return [
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
    ]
