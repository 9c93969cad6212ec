"""Say how every response may be cached, unless the endpoint already did.

- A ``GET``/``HEAD`` answer carrying an ``ETag`` (200, or 304): ``private,
  no-cache``: a client may keep it, and revalidates with ``If-None-Match``
  before reusing it; shared caches keep nothing.
- Everything else (writes, errors, lists without a validator, health):
  ``no-store``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

REVALIDATE = b"private, no-cache"
NO_STORE = b"no-store"


def cache_control(method: str, status: int, headers: list[tuple[bytes, bytes]]) -> bytes | None:
    """The ``Cache-Control`` value to add, or None when the response has one.

    >>> cache_control("GET", 200, [(b"etag", b'"1"')]), cache_control("POST", 201, [])
    (b'private, no-cache', b'no-store')
    """
    names = {name.lower() for name, _ in headers}
    if b"cache-control" in names:
        return None
    if method in {"GET", "HEAD"} and status in {200, 304} and b"etag" in names:
        return REVALIDATE
    return NO_STORE


class CacheControlMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]

        async def send_with_cache_control(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                value = cache_control(method, message["status"], headers)
                if value is not None:
                    message["headers"] = [*headers, (b"cache-control", value)]
            await send(message)

        await self.app(scope, receive, send_with_cache_control)
