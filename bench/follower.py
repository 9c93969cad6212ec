"""The change feed's delay under load: when an order's ``order.placed`` event reaches a follower.

A follower long-polls ``GET /api/v1/events?after=<seq>&wait=5&type=...`` in a
thread (pinned beside wrk) while wrk places orders, and notes the wall-clock
time each page arrived. The moment an order commits is not visible from
outside, so each event's delay is bracketed by two measures, both on the one
machine clock (CLOCK_REALTIME, shared by wrk, the service and this thread):

- **after the response** (lower bound): the follower's arrival time minus the
  time wrk had the POST's 201 (``wrk/order.lua`` logs it). The commit happened
  before the response was sent, so the true delay is at least this; it can come
  out negative when the feed beats the response to the client.
- **after the stamp** (upper bound): arrival minus the event's ``time`` field,
  which the service stamps when the unit of work starts, before its row locks,
  statements and commit; so this also counts the whole placing transaction.

Neither includes anything the follower does after the page arrived.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ORDER_PLACED = "my_api.order.placed.v1"
WAIT_SECONDS = 5  # the long poll while orders flow
DRAIN_WAIT_SECONDS = 1  # after wrk stopped: one empty second ends the follow
GIVE_UP_SECONDS = 60  # after the stop was asked, whatever the feed does


@dataclass(frozen=True)
class Seen:
    """One event as the follower got it."""

    order_id: str
    stamped: float  # the event's ``time``, epoch seconds
    received: float  # when the page holding it was read, epoch seconds
    sequence: int


class Follower:
    """Follows the feed from ``after`` until ``stop()``, then until the feed has gone quiet."""

    def __init__(self, base_url: str, after: int, core: int | None) -> None:
        address = urlsplit(base_url)
        self._host, self._port = address.hostname or "127.0.0.1", address.port or 80
        self._after, self._core = after, core
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._follow, name="feed-follower", daemon=True)
        self.seen: list[Seen] = []
        self.polls = 0
        self.error: str | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Ask the follower to finish, and wait until it has drained the feed."""
        self._stopping.set()
        self._thread.join(WAIT_SECONDS + GIVE_UP_SECONDS + 5)
        if self._thread.is_alive() and self.error is None:
            self.error = "the follower did not finish"

    def _follow(self) -> None:
        if self._core is not None:
            os.sched_setaffinity(0, {self._core})  # this thread only, on Linux
        connection = http.client.HTTPConnection(self._host, self._port, timeout=WAIT_SECONDS + 30)
        after, deadline = self._after, math.inf
        try:
            while time.monotonic() < deadline:
                stopping = self._stopping.is_set()
                if stopping and deadline == math.inf:
                    deadline = time.monotonic() + GIVE_UP_SECONDS
                wait = DRAIN_WAIT_SECONDS if stopping else WAIT_SECONDS
                path = f"/api/v1/events?after={after}&wait={wait}&limit=1000&type={ORDER_PLACED}"
                connection.request("GET", path)
                response = connection.getresponse()
                raw = response.read()
                received = time.time()
                self.polls += 1
                if response.status != 200:
                    self.error = f"GET {path} answered {response.status}: {raw[:200]!r}"
                    return
                page = json.loads(raw)
                self.seen += [
                    Seen(
                        str(event["subject"]),
                        datetime.fromisoformat(event["time"]).timestamp(),
                        received,
                        int(event["sequence"]),
                    )
                    for event in page["events"]
                ]
                after = int(page["next_after"])
                if stopping and not page["events"]:
                    return
        except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
            self.error = f"{type(error).__name__}: {error}"
        finally:
            connection.close()


def read_response_log(path: Path) -> dict[str, float]:
    """wrk/order.lua's log: order id -> when wrk had its 201 (epoch seconds)."""
    if not path.exists():
        return {}
    times: dict[str, float] = {}
    for line in path.read_text().splitlines():
        order_id, _, at = line.partition(" ")
        if at:
            times[order_id] = float(at)
    return times


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least ``fraction`` of them at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)] if ordered else math.nan


@dataclass(frozen=True)
class RelayLatency:
    """What one followed run found (milliseconds)."""

    responses: int  # 201s wrk logged
    events: int  # order.placed events the follower got
    distinct: int  # ... distinct orders among them (equal, unless the feed repeated one)
    matched: int  # events whose order's 201 wrk logged
    after_response_p50_ms: float
    after_response_p99_ms: float
    after_response_max_ms: float
    after_stamp_p50_ms: float
    after_stamp_p99_ms: float
    after_stamp_max_ms: float
    polls: int
    requests_per_second: float = 0.0  # the service's order rate during this run
    error: str | None = None


def summarise(
    seen: Sequence[Seen],
    responded: Mapping[str, float],
    *,
    polls: int,
    requests_per_second: float = 0.0,
    error: str | None = None,
) -> RelayLatency:
    after_response = [
        (one.received - responded[one.order_id]) * 1000 for one in seen if one.order_id in responded
    ]
    after_stamp = [(one.received - one.stamped) * 1000 for one in seen]
    return RelayLatency(
        responses=len(responded),
        events=len(seen),
        distinct=len({one.order_id for one in seen}),
        matched=len(after_response),
        after_response_p50_ms=percentile(after_response, 0.50),
        after_response_p99_ms=percentile(after_response, 0.99),
        after_response_max_ms=max(after_response, default=math.nan),
        after_stamp_p50_ms=percentile(after_stamp, 0.50),
        after_stamp_p99_ms=percentile(after_stamp, 0.99),
        after_stamp_max_ms=max(after_stamp, default=math.nan),
        polls=polls,
        requests_per_second=requests_per_second,
        error=error,
    )
