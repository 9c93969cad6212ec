"""The relay: publishes committed events to the feed and delivers them to handlers.

Two kinds of loop run side by side (``Relay.run``):

- the publisher runs relay passes (``EventFeed.publish_pending``) when the
  commit bell rings after a commit in this process, and every ``poll_seconds``
  for commits of other processes; after a pass that published, it rings the
  feed bell, which wakes the delivery loops and the feed's long polls;
- one delivery loop per subscription reads the feed after that handler's
  stored position and calls the handler on each event of its types, in feed
  order. A failing call is retried with backoff (stamina); when the attempts
  are spent the event is parked for that handler (logged at WARNING, listed
  by ``my-api events --parked``) and the handler goes on with the next event.
  The position moves only after the handler succeeded or the event was
  parked, so delivery is at least once: a crash in between repeats a call, and
  handlers deduplicate by the event's id. Each handler has its own loop, so a
  slow or failing one never holds up another, nor the feed.

Several relays may run at once (instances of the service, ``my-api relay``):
passes are serialised by the database, and positions move by compare-and-set.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import attrs
import stamina
from returns.io import IOResult
from returns.result import Failure, Result, Success

from my_api.application.event_handlers import EventHandlers, Handler, Subscription
from my_api.kernel.bells import CommitBell, FeedBell
from my_api.kernel.clock import Clock
from my_api.kernel.errors import AppError, NotFound
from my_api.kernel.event_feed import EventFeed
from my_api.kernel.events import Published
from my_api.kernel.handler_progress import HandlerProgress, Parked
from my_api.kernel.io_edge import performed

log = logging.getLogger(__name__)


@attrs.frozen
class RelayOptions:
    """How often to look for other processes' commits, how many events a pass or a
    page takes, and how many calls a handler gets per event before it is parked.
    """

    poll_seconds: float = 1.0
    batch: int = 100
    attempts: int = 5
    # How long a relay holds a handler's lease without renewing it: another relay takes
    # the handler over once a holder has stopped for this long. Renewed whenever half
    # of it has gone, before the next event, so a handler slower than half of it on
    # one event (retries included) may see that event from two relays.
    lease_seconds: float = 60.0


class HandlerFailed(Exception):
    """A handler answered a ``Failure`` instead of raising."""


@attrs.frozen
class Replayed:
    """One parked handler run again on its event: ``error`` is None when it succeeded."""

    handler: str
    error: str | None


async def call_handler(handler: Handler, published: Published) -> None:
    """One call; a raised exception or an answered ``Failure`` is the handler's failure."""
    outcome = handler(published)
    # An async handler may answer a FutureResult: awaited too, or it would never run.
    while inspect.isawaitable(outcome):
        outcome = await outcome
    if isinstance(outcome, IOResult):
        outcome = performed(outcome)
    if isinstance(outcome, Failure):
        raise HandlerFailed(repr(outcome.failure()))


def describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


class Relay:
    def __init__(
        self,
        feed: EventFeed,
        progress: HandlerProgress,
        handlers: EventHandlers,
        commit_bell: CommitBell,
        feed_bell: FeedBell,
        clock: Clock,
        options: RelayOptions,
    ) -> None:
        self._feed = feed
        self._progress = progress
        self._handlers = handlers
        self._commit_bell = commit_bell
        self._feed_bell = feed_bell
        self._clock = clock
        self._options = options
        # Whose lease this relay takes: unique per relay, so two in one process differ.
        self._owner = f"{socket.gethostname()}:{os.getpid()}:{uuid4().hex[:8]}"

    # -- publishing -----------------------------------------------------------------

    async def publish(self) -> Result[int, AppError]:
        """Relay passes until nothing is pending; how many events they published."""
        count = 0
        while True:
            page = performed(await self._feed.publish_pending(self._options.batch))
            if isinstance(page, Failure):
                return page
            published = page.unwrap()
            if published:
                count += len(published)
                self._feed_bell.ring()
            if len(published) < self._options.batch:
                return Success(count)

    # -- delivering -----------------------------------------------------------------

    async def deliver(self, subscription: Subscription) -> Result[int, AppError]:
        """Bring one handler up to the end of the feed; how many events it went past."""
        count = 0
        while True:
            page = await self._deliver_page(subscription)
            if isinstance(page, Failure):
                return page
            count += page.unwrap()
            if page.unwrap() < self._options.batch:
                return Success(count)

    async def catch_up(self) -> Result[None, AppError]:
        """Publish everything pending, then bring every handler to the end of the feed."""
        published = await self.publish()
        if isinstance(published, Failure):
            return Failure(published.failure())
        outcomes = await asyncio.gather(*map(self.deliver, self._handlers.subscriptions))
        await self.release_leases()
        for outcome in outcomes:
            if isinstance(outcome, Failure):
                return Failure(outcome.failure())
        return Success(None)

    async def _deliver_page(self, subscription: Subscription) -> Result[int, AppError]:
        """One page after the handler's position: 0 at the end, when another relay holds
        the handler's lease, or when another relay moved the position first.
        """
        leased = await self._leased(subscription.name)
        if not isinstance(leased, Success) or leased.unwrap() is None:
            return leased.map(lambda _: 0)
        read = await self._page_after_position(subscription.name)
        if isinstance(read, Failure):
            return Failure(read.failure())
        done, events = read.unwrap()
        return await self._through(subscription, done, events, leased.unwrap())

    async def _page_after_position(
        self, name: str
    ) -> Result[tuple[int, Sequence[Published]], AppError]:
        position = performed(await self._progress.position(name))
        if isinstance(position, Failure):
            return Failure(position.failure())
        done = position.unwrap()
        page = performed(await self._feed.read(done, self._options.batch))
        return page.map(lambda events: (done, events))

    async def _through(
        self,
        subscription: Subscription,
        done: int,
        events: Sequence[Published],
        renew_after: datetime | None,
    ) -> Result[int, AppError]:
        """The handler called on each event of its types, the position moved past each."""
        name = subscription.name
        for published in events:
            if not subscription.wants(published.event.type):
                continue
            if renew_after is not None and self._clock() >= renew_after:
                leased = await self._leased(name)
                if not isinstance(leased, Success) or leased.unwrap() is None:
                    return leased.map(lambda _: 0)
                renew_after = leased.unwrap()
            handled = await self._handled(subscription, published)
            if isinstance(handled, Failure):
                return handled
            moved = await self._advance(name, done, published.sequence)
            if not isinstance(moved, Success) or not moved.unwrap():
                return moved.map(lambda _: 0)
            done = published.sequence
        if events and done != events[-1].sequence:
            # Past the events of other types at the page's end.
            moved = await self._advance(name, done, events[-1].sequence)
            if not isinstance(moved, Success) or not moved.unwrap():
                return moved.map(lambda _: 0)
        return Success(len(events))

    async def _leased(self, name: str) -> Result[datetime | None, AppError]:
        """Take or renew the handler's lease: when to renew it next, or None when another
        relay holds it (that one delivers; this one waits for its next round).
        """
        now = self._clock()
        lease = timedelta(seconds=self._options.lease_seconds)
        held = performed(await self._progress.lease(name, self._owner, now, now + lease))
        return held.map(lambda mine: now + lease / 2 if mine else None)

    async def _advance(self, name: str, expected: int, to: int) -> Result[bool, AppError]:
        return performed(await self._progress.advance(name, expected, to))

    async def _handled(
        self, subscription: Subscription, published: Published
    ) -> Result[None, AppError]:
        """The handler succeeded within its attempts, or the event is now parked for it."""
        error = await self._attempts(subscription.handler, published)
        if error is None:
            return Success(None)
        event = published.event
        log.warning(
            "event handler %s gave up on event %s (%s, sequence %d); parked: %s",
            subscription.name,
            event.id,
            event.type,
            published.sequence,
            error,
            extra={
                "handler": subscription.name,
                "event_id": str(event.id),
                "event_type": event.type,
                "sequence": published.sequence,
            },
        )
        parked = self._progress.park(subscription.name, published, error, self._clock())
        return performed(await parked)

    async def _attempts(self, handler: Handler, published: Published) -> str | None:
        """Call with backoff between failed attempts; the last failure, or None."""
        try:
            async for attempt in stamina.retry_context(
                on=Exception, attempts=self._options.attempts
            ):
                with attempt:
                    await call_handler(handler, published)
        # The handler's own code: whatever it raises is its failure, and this is the
        # one place it is caught.
        except Exception as error:
            return describe(error)
        return None

    # -- replaying ------------------------------------------------------------------

    async def parked(self) -> Result[Sequence[Parked], AppError]:
        """Every event a handler gave up on, in feed order (``my-api events --parked``)."""
        return performed(await self._progress.parked())

    async def replay(self, event_id: UUID) -> Result[Sequence[Replayed], AppError]:
        """Run each handler that parked ``event_id`` once more; unpark those that succeed.

        A handler not subscribed in this process cannot be run: it stays parked and
        its ``Replayed.error`` says so.
        """
        found = performed(await self._progress.parked_event(event_id))
        if isinstance(found, Failure):
            return Failure(found.failure())
        if not found.unwrap():
            return Failure(NotFound("parked event", str(event_id)))
        replayed: list[Replayed] = []
        for parked in found.unwrap():
            outcome = await self._replay_one(parked)
            if isinstance(outcome, Failure):
                return Failure(outcome.failure())
            replayed.append(outcome.unwrap())
        return Success(replayed)

    async def _replay_one(self, parked: Parked) -> Result[Replayed, AppError]:
        subscription = self._handlers.named(parked.handler)
        if subscription is None:
            return Success(Replayed(parked.handler, "no handler of this name is subscribed"))
        try:
            await call_handler(subscription.handler, parked.published)
        except Exception as error:  # the handler's own code, as above
            failed = describe(error)
            parked_again = await self._progress.park(
                parked.handler, parked.published, failed, self._clock()
            )
            return performed(parked_again).map(lambda _: Replayed(parked.handler, failed))
        event_id = parked.published.event.id
        unparked = performed(await self._progress.unpark(parked.handler, event_id))
        return unparked.map(lambda _: Replayed(parked.handler, None))

    # -- running --------------------------------------------------------------------

    async def run(self) -> None:
        """Publish and deliver until cancelled; then give the handlers' leases up."""
        try:
            async with asyncio.TaskGroup() as loops:
                loops.create_task(self._publishing())
                for subscription in self._handlers.subscriptions:
                    loops.create_task(self._delivering(subscription))
        finally:
            await self.release_leases()

    async def release_leases(self) -> None:
        """Let other relays take this one's handlers over at once (a clean stop); a
        lease not released lapses after ``lease_seconds``.
        """
        for subscription in self._handlers.subscriptions:
            released = performed(await self._progress.release(subscription.name, self._owner))
            if isinstance(released, Failure):
                log.warning("relay: could not release %s's lease", subscription.name)

    async def _publishing(self) -> None:
        while True:
            # Noted before the pass: a commit during it rings past ``since`` and wakes the
            # next pass at once.
            since = self._commit_bell.rung
            await self._logged("publishing", self.publish)
            await self._commit_bell.wait(since, self._options.poll_seconds)

    async def _delivering(self, subscription: Subscription) -> None:
        while True:
            since = self._feed_bell.rung
            await self._logged(subscription.name, lambda: self.deliver(subscription))
            await self._feed_bell.wait(since, self._options.poll_seconds)

    async def _logged(
        self, what: str, step: Callable[[], Awaitable[Result[int, AppError]]]
    ) -> None:
        """One round of a loop that must outlive a database outage, and a bug."""
        try:
            outcome = await step()
        # The top of a background task: nobody else would see the exception.
        except Exception:
            log.exception("relay: %s failed unexpectedly; trying again", what)
            return
        if isinstance(outcome, Failure):
            log.warning("relay: %s failed: %s; trying again", what, outcome.failure())
