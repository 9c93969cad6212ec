"""The buses' outermost middleware: one DEBUG line per message, naming its route.

Outcomes are not logged here: the HTTP access log has every status, and
failures worth an operator's eye (a database that failed) are logged where
they are turned into values (``adapters/sql/errors.py``).
"""

from __future__ import annotations

import logging
from typing import Any

from returns.future import FutureResult

from my_api.kernel.bus import Next, route_of, spelled
from my_api.kernel.errors import AppError

log = logging.getLogger("my_api.bus")


def logged(message: Any, call_next: Next) -> FutureResult[Any, AppError]:
    if log.isEnabledFor(logging.DEBUG):
        log.debug("dispatching %s", spelled(route_of(message)))
    return call_next(message)
