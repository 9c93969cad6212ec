"""Per-request context carried in ContextVars (set by middleware, read by logs and problems)."""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("request_id", default="-")
