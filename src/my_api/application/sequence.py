"""Steps run one after another, their results collected: a fold over ``FutureResult``.

A pipeline over a collection (claim each line's item, reserve each line) must
run its steps in a fixed order, each after the previous one succeeded: the
first failure stops the rest, as ``bind`` does for two steps. With ``Emitted``
steps the events of every step are kept, in the order the steps ran.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from returns.future import FutureResult

from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted

T = TypeVar("T")

Step = Callable[[], FutureResult[T, AppError]]


def in_sequence(steps: Iterable[Step[T]]) -> FutureResult[tuple[T, ...], AppError]:
    """Each step's value, in order; the first failure is the outcome."""
    collected: FutureResult[tuple[T, ...], AppError] = FutureResult.from_value(())
    for step in steps:
        collected = collected.bind(_appending(step))
    return collected


def _appending(
    step: Step[T],
) -> Callable[[tuple[T, ...]], FutureResult[tuple[T, ...], AppError]]:
    # A function per step, so each closure holds its own step (not the loop's last).
    return lambda done: step().map(lambda value: (*done, value))


def emitting_in_sequence(
    steps: Iterable[Step[Emitted[T]]],
) -> FutureResult[Emitted[tuple[T, ...]], AppError]:
    """Each step's value, in order, with the events of all of them in that order."""
    return in_sequence(steps).map(_concatenated)


def _concatenated(results: tuple[Emitted[T], ...]) -> Emitted[tuple[T, ...]]:
    return Emitted(
        tuple(result.value for result in results),
        tuple(event for result in results for event in result.events),
    )
