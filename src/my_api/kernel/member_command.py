"""A member command: a named state change of one entity, declared on its resource.

CRUD covers "replace" and "patch"; a command covers what a domain calls by
name (cancel an order, discount an item). The declaration is HTTP-free: a
name, the DTO its input is read into, and the pipeline that turns the current
entity into the next one. The generics do the rest, the same way for every
command (``application/member_commands.py``): load the live entity while
honouring ``If-Match``, run the pipeline in one unit of work, store the result
by compare-and-set with ``version + 1``. The HTTP adapter serves each one as
``POST {collection}/{id}/{name}`` and answers in the entity envelope.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Generic, TypeAlias, TypeVar

import attrs
from returns.future import FutureResult

from my_api.kernel.bus import Writing
from my_api.kernel.errors import AppError
from my_api.kernel.events import Emitted

E = TypeVar("E")
D = TypeVar("D")

# The step a command adds: the unit of work's ``Writing`` (its session, so it may touch
# other tables in the same transaction; its one time; ids), the current entity
# (If-Match already honoured) and the parsed input; it returns the next state with the
# events of any other aggregate it changed, or why there is none. The command's own
# event (``<aggregate>.<event>``) is added by the generics once the state is stored.
# It must not raise: an entity built with values its validators refuse raises, so
# validate first (e.g. ``Resource.patched``) and return ``InvalidInput``.
Step: TypeAlias = Callable[[Writing, E, D], FutureResult[Emitted[E], AppError]]

# One path segment, in the style of the collection names: lower case, digits, dashes.
_NAME = re.compile(r"[a-z][a-z0-9-]{0,62}")


@attrs.frozen
class NoInput:
    """The input of a command that takes none: an empty body, or ``{}``."""


@attrs.frozen
class MemberCommand(Generic[E, D]):
    """``name`` is the last path segment; ``input`` the attrs DTO the body is read into.

    The step's result is stored with the bookkeeping attributes (id, created_at,
    deleted_at) of the current entity, ``updated_at`` the unit of work's time and
    ``version + 1``: a command is always a write, even when it changes no field.
    """

    name: str = attrs.field(validator=attrs.validators.matches_re(_NAME))
    input: type[D]
    step: Step[E, D]
    # What happened, for the event type: "cancelled" makes "order.cancelled".
    event: str = attrs.field(validator=attrs.validators.matches_re(r"[a-z][a-z0-9_]*"))
