"""Liveness and readiness. Readiness asks the database, with a bounded wait."""

from __future__ import annotations

import asyncio
import logging

import databases
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from my_api.adapters.http.json import json_response
from my_api.adapters.http.problems import error_response
from my_api.adapters.sql.errors import DATABASE_ERRORS
from my_api.kernel.errors import Unavailable

log = logging.getLogger(__name__)


def health_routes(database: databases.Database, *, timeout_seconds: float) -> list[Route]:
    async def live(_: Request) -> Response:
        return json_response({"status": "ok"})

    async def ready(request: Request) -> Response:
        try:
            async with asyncio.timeout(timeout_seconds):
                await database.fetch_val("SELECT 1")
        except DATABASE_ERRORS as error:
            # Driver text stays in the log; the client learns only which dependency.
            log.warning("readiness check failed: %s", type(error).__name__, exc_info=error)
            return error_response(
                Unavailable("database", "The database is not reachable."), request.url.path
            )
        return json_response({"status": "ok", "checks": {"database": "ok"}})

    return [
        Route("/health/live", live, methods=["GET"]),
        Route("/health/ready", ready, methods=["GET"]),
    ]
