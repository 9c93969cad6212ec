"""uvicorn's httptools protocol with a bounded request head, in size and in time.

uvicorn picks httptools when it is installed (it is, through
``uvicorn[standard]``), and that protocol has neither limit: a 200 MB header
is buffered whole, and a head sent one byte at a time keeps the connection
forever. h11 caps the head (``h11_max_incomplete_event_size``) but is pure
Python and slower per request, so ``my-api serve`` runs this protocol instead:

- the bytes of a request head (request line and headers) are counted as they
  arrive; past ``h11_max_incomplete_event_size`` the client gets a 431
  problem and the connection is closed;
- the head must be complete within ``timeout_keep_alive`` seconds of the
  connection opening or of the previous request starting; if not, a client
  that sent part of one gets a 408 problem, an idle one is just closed.

Both limits are read from uvicorn's ``Config`` (set by ``my-api serve``), so
this class is importable by name (``--reload`` spawns a process).
"""

from __future__ import annotations

import asyncio
import http
from typing import Any

import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

# h11's own default, which uvicorn applies to its h11 protocol when unset.
DEFAULT_MAX_HEAD_BYTES = 16 * 1024


def problem_bytes(status: int, detail: str) -> bytes:
    """A whole HTTP/1.1 response carrying a problem, that closes the connection."""
    phrase = http.HTTPStatus(status).phrase
    body = orjson.dumps(
        {"type": "about:blank", "title": phrase, "status": status, "detail": detail}
    )
    head = (
        f"HTTP/1.1 {status} {phrase}\r\n"
        "content-type: application/problem+json\r\n"
        f"content-length: {len(body)}\r\n"
        "cache-control: no-store\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.max_head_bytes = config.h11_max_incomplete_event_size or DEFAULT_MAX_HEAD_BYTES
        self.head_bytes = 0
        self.in_head = True
        self.head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        counting = self.in_head
        super().data_received(data)
        if not (counting and self.in_head) or self.transport.is_closing():
            return
        self.head_bytes += len(data)
        if self.head_bytes > self.max_head_bytes:
            self._refuse(431, f"The request head exceeds {self.max_head_bytes} bytes.")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head = True
        self.head_bytes = 0
        if self.head_timer is None:
            self._start_head_timer()

    def on_headers_complete(self) -> None:
        self.in_head = False
        self._stop_head_timer()
        super().on_headers_complete()

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self.head_timer = self.loop.call_later(self.timeout_keep_alive, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self.in_head and self.head_bytes:
            self._refuse(
                408, f"The request head was not complete within {self.timeout_keep_alive} s."
            )
        elif self.in_head:
            self.transport.close()

    def _refuse(self, status: int, detail: str) -> None:
        self.logger.warning("refused a request head: %s", detail)
        self._stop_head_timer()
        self.transport.write(problem_bytes(status, detail))
        self.transport.close()
