"""The Starlette application: routes in, the middleware stack around them.

What the routes are, and what happens at start-up, is decided by the
composition root (``my_api.bootstrap``); this module only knows HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute
from starlette.types import Lifespan

from my_api.adapters.http.middleware.allowed_hosts import ANY, AllowedHostsMiddleware
from my_api.adapters.http.middleware.body_limit import BodyLimitMiddleware
from my_api.adapters.http.middleware.body_timeout import BodyTimeoutMiddleware
from my_api.adapters.http.middleware.cache_control import CacheControlMiddleware
from my_api.adapters.http.middleware.request_id import RequestIdMiddleware
from my_api.adapters.http.middleware.security_headers import SecurityHeadersMiddleware
from my_api.adapters.http.middleware.unexpected_errors import UnexpectedErrorMiddleware
from my_api.adapters.http.problems import http_exception


@attrs.frozen
class HttpOptions:
    """How the HTTP edge behaves, whatever the routes."""

    access_log: bool
    hsts_max_age_seconds: int
    max_body_bytes: int
    require_if_match: bool
    # Host names answered for (``("*",)``: any); see middleware/allowed_hosts.py.
    allowed_hosts: tuple[str, ...] = ANY
    # The longest wait for the next chunk of a request body.
    body_timeout_seconds: float = 30.0


def create_asgi_app(
    routes: Sequence[BaseRoute], options: HttpOptions, lifespan: Lifespan[Starlette]
) -> Starlette:
    app = Starlette(
        routes=list(routes),
        middleware=[
            Middleware(RequestIdMiddleware, log_access=options.access_log),
            Middleware(
                SecurityHeadersMiddleware, hsts_max_age_seconds=options.hsts_max_age_seconds
            ),
            Middleware(CacheControlMiddleware),
            Middleware(AllowedHostsMiddleware, hosts=options.allowed_hosts),
            Middleware(BodyTimeoutMiddleware, seconds=options.body_timeout_seconds),
            Middleware(BodyLimitMiddleware, max_body_bytes=options.max_body_bytes),
            Middleware(UnexpectedErrorMiddleware),
        ],
        exception_handlers={HTTPException: http_exception},
        lifespan=lifespan,
    )
    # No trailing-slash redirects: Starlette builds their Location from the Host
    # header, which reflected any host a client sent. ``/items/`` is a 404 problem.
    app.router.redirect_slashes = False
    return app
