"""A bell (kernel/bells.py): a waiter that noted ``rung`` never misses a ring that came after."""

from __future__ import annotations

import asyncio

from my_api.kernel.bells import Bell


async def test_a_wait_with_nothing_rung_times_out_false() -> None:
    bell = Bell()
    assert await bell.wait(bell.rung, 0.01) is False


async def test_a_ring_before_the_wait_but_after_the_look_returns_at_once() -> None:
    bell = Bell()
    since = bell.rung
    bell.ring()
    assert await bell.wait(since, 10) is True


async def test_a_ring_wakes_every_waiter() -> None:
    bell = Bell()
    since = bell.rung
    waiters = [asyncio.create_task(bell.wait(since, 10)) for _ in range(3)]
    await asyncio.sleep(0)  # let them all start waiting
    bell.ring()
    assert await asyncio.gather(*waiters) == [True, True, True]


async def test_a_timed_out_waiter_is_forgotten() -> None:
    bell = Bell()
    await bell.wait(bell.rung, 0.01)
    assert not bell._waiters
