"""Hypothesis strategies for the query language: random specifications and item sets.

Every value is of its field's type, as the parser would produce it: ``str`` for
name and description, ``Decimal`` with two places for price, ``int`` for
quantity, aware UTC ``datetime`` with microseconds for the timestamps, ``UUID``
for id. Specifications are built from the classes directly (not parsed), so a
property over them tests the compiler and ``is_satisfied_by``, not the grammar.

Items and specifications draw their values from one small pool per field
(``ValuePool``), so that equalities, ties and ``in`` hits happen often; text
mixes case pairs outside ASCII (É/é, ß/ẞ, dotted and dotless i, the sigmas),
LIKE metacharacters (``% _ \\``), the ``*`` wildcard and arbitrary Unicode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from typing import Any
from uuid import UUID

import attrs
from hypothesis import strategies as st

from my_api.application.items import ITEMS
from my_api.domain.item import Item
from my_api.kernel.sorting import Sort, SortKey
from my_api.kernel.specification import (
    CompositeSpecification,
    FieldSpecification,
    Junction,
    NotSpecification,
    Operator,
    Specification,
)
from my_api.kernel.table import ColumnType
from tests.strategies import MAX_INT32, MAX_PRICE, MIN_PRICE, unicode_text

CATALOG = ITEMS.catalog
FILTERABLE: tuple[str, ...] = tuple(sorted(CATALOG.filterable))
# Nullable fields first (NULLs sort last both ways), id (the tie-breaker) last.
SORTABLE: tuple[str, ...] = tuple(
    sorted(
        CATALOG.sortable, key=lambda name: (not CATALOG.column(name).nullable, name == "id", name)
    )
)
TEXT_FIELDS: tuple[str, ...] = tuple(
    name for name in FILTERABLE if CATALOG.column(name).type is ColumnType.TEXT
)
NULLABLE_FIELDS: tuple[str, ...] = tuple(
    name for name in FILTERABLE if CATALOG.column(name).nullable
)
COMPARISONS = (Operator.EQ, Operator.NEQ, Operator.GT, Operator.GTE, Operator.LT, Operator.LTE)
MAX_ITEMS = 30

# -- text ---------------------------------------------------------------------------

# Letters whose case differs outside ASCII, next to their ASCII look-alikes.
CASE_SENSITIVE_LETTERS = "aAbBzZiIÉéßẞİ\u0131Σ\u03c3ςǄǅǆ"  # \u0131 dotless i, \u03c3 sigma
LIKE_METACHARACTERS = "%_\\*"
# Metacharacters twice over, so that they meet each other and the letters often.
TRICKY_CHARACTERS = CASE_SENSITIVE_LETTERS + LIKE_METACHARACTERS * 2 + "aAbB" + " \n'\";-()🙂"

ASCII_AND_METACHARACTERS = "aAbBcCxXyY" + LIKE_METACHARACTERS

tricky_text: st.SearchStrategy[str] = st.text(st.sampled_from(TRICKY_CHARACTERS), max_size=6)


def texts(*, min_size: int = 0) -> st.SearchStrategy[str]:
    """Short text, often made of case pairs and LIKE metacharacters."""
    return st.one_of(
        st.text(st.sampled_from(TRICKY_CHARACTERS), min_size=min_size, max_size=6),
        st.text(st.sampled_from(ASCII_AND_METACHARACTERS), min_size=min_size, max_size=6),
        unicode_text(min_size=min_size, max_size=8),
    )


def _recased(text: str, how: str) -> str:
    return {"upper": text.upper(), "lower": text.lower(), "swap": text.swapcase()}.get(how, text)


@st.composite
def _twin(draw: st.DrawFn, text: str) -> str:
    """``text`` recased, or with one character replaced: a near miss for eq/like/ilike
    (``a_c`` next to ``abc``, ``Lamp`` next to ``lamp``, ``x%`` next to ``xy``).
    """
    how = draw(st.sampled_from(["escape", "upper", "lower", "swap", "replace"]))
    if how in {"upper", "lower", "swap"} or not text:
        return _recased(text, how)
    at = draw(st.integers(0, len(text) - 1))
    metacharacters = [i for i, character in enumerate(text) if character in "%_\\"]
    if how == "escape" and metacharacters:
        # A LIKE metacharacter where the text has an ordinary one, or the reverse.
        at = draw(st.sampled_from(metacharacters))
        return text[:at] + draw(st.sampled_from("xX")) + text[at + 1 :]
    replacement = LIKE_METACHARACTERS if how == "escape" else TRICKY_CHARACTERS
    return text[:at] + draw(st.sampled_from(replacement)) + text[at + 1 :]


@st.composite
def _wildcarded(draw: st.DrawFn, text: str) -> str:
    """A pattern that matches ``text``: itself, or with a prefix, a suffix, both, or
    a run in the middle replaced by ``*``.
    """
    i = draw(st.integers(0, len(text)))
    j = draw(st.integers(i, len(text)))
    shape = draw(st.sampled_from(["exact", "prefix", "suffix", "infix", "middle"]))
    return {
        "exact": text,
        "prefix": "*" + text[i:],
        "suffix": text[:j] + "*",
        "infix": "*" + text[i:j] + "*",
        "middle": text[:i] + "*" + text[j:],
    }[shape]


@st.composite
def patterns(draw: st.DrawFn, texts_in_use: Sequence[str] = ()) -> str:
    """A like/ilike pattern: mostly a text in use with runs of it turned into ``*``
    (so it matches that text and nearly matches its twins), often recased; else
    ``*`` and tricky pieces.
    """
    how = draw(st.sampled_from(["derived", "derived", "derived", "pieces"]))
    sources = [text for text in texts_in_use if text] or list(texts_in_use)
    if how == "derived" and sources:
        pattern = draw(_wildcarded(draw(st.sampled_from(sources))))
        return _recased(pattern, draw(st.sampled_from(["keep", "keep", "upper", "lower", "swap"])))
    pieces: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["star", "slice", "tricky"]))
        if kind == "star":
            pieces.append("*")
        elif kind == "slice" and texts_in_use:
            text = draw(st.sampled_from(texts_in_use))
            start = draw(st.integers(0, len(text)))
            pieces.append(text[start : draw(st.integers(start, len(text)))])
        else:
            pieces.append(draw(tricky_text))
    return "".join(pieces)


# -- values of each field ------------------------------------------------------------

# The extreme instants are condition values only: asyncpg sends them as
# -infinity/infinity and reads those back as naive datetimes, so no stored row
# holds them (the server sets the timestamps, and never to year 1 or 9999).
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
_STORABLE_EARLIEST = datetime(1, 1, 1, 0, 0, 0, 1)  # noqa: DTZ001 - bound; the zone is added
_STORABLE_LATEST = datetime(9999, 12, 31, 23, 59, 59, 999998)  # noqa: DTZ001

_prices: st.SearchStrategy[Decimal] = st.one_of(
    st.sampled_from([MIN_PRICE, MAX_PRICE, Decimal("1.00"), Decimal("0.10")]),
    st.integers(1, 10**12 - 1).map(lambda cents: Decimal(cents).scaleb(-2)),
)
_quantities: st.SearchStrategy[int] = st.one_of(
    st.sampled_from([0, 1, MAX_INT32]), st.integers(0, MAX_INT32)
)
_moments: st.SearchStrategy[datetime] = st.one_of(
    st.sampled_from([_STORABLE_EARLIEST.replace(tzinfo=UTC), _STORABLE_LATEST.replace(tzinfo=UTC)]),
    st.datetimes(_STORABLE_EARLIEST, _STORABLE_LATEST, timezones=st.just(UTC)),
)
EXTREME_IDS = (UUID(int=0), UUID(int=2**128 - 1))
_ids: st.SearchStrategy[UUID] = st.one_of(st.sampled_from(EXTREME_IDS), st.uuids())

_COMPARABLE: Mapping[str, st.SearchStrategy[Any]] = {
    "id": _ids,
    "name": texts(min_size=1),
    "description": texts(),
    "price": _prices,
    "quantity": _quantities,
    "created_at": _moments,
    "updated_at": _moments,
}
"""Per field, non-null values an item may hold."""

STORED_VALUES: Mapping[str, st.SearchStrategy[Any]] = {
    **_COMPARABLE,
    "description": st.one_of(st.none(), _COMPARABLE["description"]),
}
"""Per field, values an item may hold."""

# Values a condition may name that no valid item holds: the edges around the domain.
_BEYOND: Mapping[str, Sequence[Any]] = {
    "price": [Decimal("0.00")],
    "created_at": [EARLIEST, LATEST],
    "updated_at": [EARLIEST, LATEST],
    "name": [""],
    "description": [""],
}


@attrs.frozen
class ValuePool:
    """A few values per field, shared by the items and the conditions of one example."""

    values: Mapping[str, tuple[Any, ...]]

    def condition_values(self, field: str) -> st.SearchStrategy[Any]:
        """A comparable value for ``field``: never None (``is`` says null, not ``eq``)."""
        in_use = [value for value in self.values.get(field, ()) if value is not None]
        fresh = _COMPARABLE[field]
        choices = [fresh]
        if in_use:
            choices = [st.sampled_from(in_use), st.sampled_from(in_use), fresh]
        if field in _BEYOND:
            choices.append(st.sampled_from(_BEYOND[field]))
        return st.one_of(choices)

    def texts(self, field: str) -> list[str]:
        return [value for value in self.values.get(field, ()) if isinstance(value, str)]


@st.composite
def value_pools(draw: st.DrawFn) -> ValuePool:
    values: dict[str, tuple[Any, ...]] = {}
    for field in FILTERABLE:
        if field == "id":
            continue
        chosen = draw(st.lists(_COMPARABLE[field], min_size=2, max_size=4))
        if field in TEXT_FIELDS:
            # Near misses: recased or one-character twins of values in use.
            for base in draw(st.lists(st.sampled_from(chosen), min_size=1, max_size=3)):
                chosen.append(draw(_twin(base)))
        if field in NULLABLE_FIELDS:
            chosen.append(None)  # items pick it now and then
        values[field] = tuple(chosen)
    return ValuePool(values)


@st.composite
def pooled_items(draw: st.DrawFn, pool: ValuePool, entity_id: UUID | None = None) -> Item:
    """One item whose fields come from ``pool``; now and then soft-deleted."""

    def pick(field: str) -> Any:
        return draw(st.sampled_from(pool.values[field]))

    return Item(
        id=draw(st.uuids()) if entity_id is None else entity_id,
        name=pick("name"),
        description=pick("description"),
        price=pick("price"),
        quantity=pick("quantity"),
        created_at=pick("created_at"),
        updated_at=pick("updated_at"),
        version=1,
        deleted_at=draw(st.one_of(st.none(), st.none(), st.none(), _moments)),
    )


@st.composite
def item_sets(draw: st.DrawFn, pool: ValuePool) -> tuple[Item, ...]:
    """0 to 30 items with distinct ids, fields drawn from ``pool``; some soft-deleted."""
    size = draw(st.sampled_from([*range(5, MAX_ITEMS + 1), 0]))
    extremes = draw(st.sets(st.sampled_from(EXTREME_IDS)))
    random_ids = draw(st.lists(st.uuids(), min_size=size, max_size=size, unique=True))
    # uuid4s never equal the extremes (their version bits are set).
    ids = [*extremes, *random_ids][:size]
    return tuple(draw(pooled_items(pool, entity_id)) for entity_id in ids)


# -- specifications ------------------------------------------------------------------


def operators_for(field: str) -> tuple[Operator, ...]:
    """Every operator the grammar allows on ``field`` (like/ilike on text only)."""
    if CATALOG.column(field).type is ColumnType.TEXT:
        return tuple(Operator)
    return tuple(op for op in Operator if op not in {Operator.LIKE, Operator.ILIKE})


# Operators first, then a field that takes it; the ones where SQL and Python
# part ways most easily (NULLs, case, escapes) first, as hypothesis favours them.
OPERATORS = (
    Operator.NEQ,
    Operator.IS,
    Operator.ILIKE,
    Operator.LIKE,
    Operator.EQ,
    Operator.IN,
    Operator.GT,
    Operator.GTE,
    Operator.LT,
    Operator.LTE,
)
# Nullable fields first and thrice (comparisons with NULL are where three-valued
# logic shows), then the other text fields twice, then the rest.
FIELDS_BY_INTEREST: tuple[str, ...] = (
    *NULLABLE_FIELDS * 3,
    *[field for field in TEXT_FIELDS if field not in NULLABLE_FIELDS] * 2,
    *[field for field in FILTERABLE if field not in TEXT_FIELDS and field not in NULLABLE_FIELDS],
)


@st.composite
def conditions(
    draw: st.DrawFn,
    pool: ValuePool,
    operators: Sequence[Operator] = OPERATORS,
    fields: Sequence[str] = FIELDS_BY_INTEREST,
) -> FieldSpecification:
    """One ``field operator value`` with a value of the field's type."""
    operator = draw(st.sampled_from(operators))
    field = draw(st.sampled_from([field for field in fields if operator in operators_for(field)]))
    value: Any
    if operator is Operator.IS:
        value = None  # the only value the grammar has for is (no boolean fields)
    elif operator is Operator.IN:
        size = draw(st.sampled_from([2, 3, 1, 4]))  # several values, mostly
        value = tuple(draw(st.lists(pool.condition_values(field), min_size=size, max_size=size)))
    elif operator in {Operator.LIKE, Operator.ILIKE}:
        value = draw(patterns(pool.texts(field)))
    else:
        value = draw(pool.condition_values(field))
    return FieldSpecification(field, operator, value)


def _combined(children: st.SearchStrategy[Specification]) -> st.SearchStrategy[Specification]:
    composites: st.SearchStrategy[Specification] = st.builds(
        lambda junction, parts: CompositeSpecification(junction, tuple(parts)),
        st.sampled_from(Junction),
        st.lists(children, min_size=2, max_size=3),
    )
    negations: st.SearchStrategy[Specification] = children.map(NotSpecification)
    return st.one_of(composites, negations)


def specifications(pool: ValuePool, *, max_leaves: int = 6) -> st.SearchStrategy[Specification]:
    """Conditions nested in and/or composites and negations."""
    leaves: st.SearchStrategy[Specification] = conditions(pool)
    return st.recursive(leaves, _combined, max_leaves=max_leaves)


def sorts() -> st.SearchStrategy[Sort]:
    """Up to three distinct sortable fields, each ascending or descending."""
    return st.builds(
        lambda fields, count, directions: Sort(
            tuple(
                SortKey(field, descending)
                for field, descending in zip(fields[:count], directions, strict=False)
            )
        ),
        st.permutations(SORTABLE),
        st.sampled_from([1, 2, 3, 0]),
        st.lists(st.booleans(), min_size=3, max_size=3),
    )


@attrs.frozen
class Scenario:
    """A data set, a filter (None: everything), an order and a page size."""

    items: tuple[Item, ...]
    spec: Specification | None
    sort: Sort
    limit: int

    def expected(self) -> list[Item]:
        """What ``list`` must return: the live items the filter accepts, sorted, windowed."""
        live = [item for item in self.items if item.deleted_at is None]
        spec = self.spec
        chosen = live if spec is None else [item for item in live if spec.is_satisfied_by(item)]
        return self.sort.ordered(chosen)[: self.limit]

    def expected_count(self) -> int:
        spec = self.spec
        return sum(
            1
            for item in self.items
            if item.deleted_at is None and (spec is None or spec.is_satisfied_by(item))
        )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    pool = draw(value_pools())
    found = draw(item_sets(pool))
    pool = ValuePool({**pool.values, "id": tuple(item.id for item in found)})
    # A single condition (whose effect no sibling can mask), a negated one, a
    # nested filter, or now and then no filter at all.
    shape = draw(st.sampled_from(["condition", "negated", "nested", "nested", "everything"]))
    spec: Specification | None = None
    if shape == "condition":
        spec = draw(conditions(pool))
    elif shape == "negated":
        spec = NotSpecification(draw(conditions(pool)))
    elif shape == "nested":
        spec = draw(specifications(pool))
    # Mostly everything at once; sometimes a short page, which must be its prefix.
    limit = draw(st.one_of(st.just(MAX_ITEMS + 1), st.integers(1, MAX_ITEMS)))
    return Scenario(found, spec, draw(sorts()), limit)


@st.composite
def _instances(draw: st.DrawFn, pattern: str) -> str:
    """A text shaped like ``pattern``: each ``*`` filled in, and now and then a
    metacharacter read as SQL would read it unescaped (``_`` as one character,
    ``%`` as any run, ``\\`` as an escape) or a letter in the other case.
    """
    pieces: list[str] = []
    for character in pattern:
        if character == "*":
            pieces.append(draw(tricky_text))
        elif character in "%_\\" and draw(st.booleans()):
            pieces.append(
                draw(
                    st.sampled_from({"%": ["", "x", "xY"], "_": ["x", "Y"], "\\": [""]}[character])
                )
            )
        elif draw(st.sampled_from(["keep", "keep", "recase"])) == "recase":
            pieces.append(character.swapcase())
        else:
            pieces.append(character)
    return "".join(pieces)


@st.composite
def pattern_scenarios(draw: st.DrawFn) -> Scenario:
    """One like/ilike condition (or its negation) on a text field, over texts shaped
    like its pattern: literal matches, recased ones, and the texts an unescaped
    ``%``, ``_`` or ``\\`` would wrongly match. The escaping and case rules,
    unmasked by other conditions.
    """
    pool = draw(value_pools())
    field = draw(st.sampled_from(TEXT_FIELDS))
    operator = draw(st.sampled_from([Operator.ILIKE, Operator.LIKE]))
    pattern = draw(patterns(pool.texts(field)))
    if draw(st.booleans()):  # one more literal metacharacter somewhere
        at = draw(st.integers(0, len(pattern)))
        pattern = pattern[:at] + draw(st.sampled_from("_%\\")) + pattern[at:]
    shaped = draw(st.lists(_instances(pattern), min_size=1, max_size=4))
    if field not in NULLABLE_FIELDS:
        shaped = [text or "x" for text in shaped]  # a name is never empty
    pool = ValuePool({**pool.values, field: (*pool.values[field], *shaped)})
    found = draw(item_sets(pool))
    condition = FieldSpecification(field, operator, pattern)
    spec = NotSpecification(condition) if draw(st.booleans()) else condition
    return Scenario(found, spec, draw(sorts()), MAX_ITEMS + 1)


@st.composite
def null_scenarios(draw: st.DrawFn) -> Scenario:
    """A condition on a nullable field, over data where that field is often NULL,
    alone, negated, or joined with another condition (negated or not): where
    three-valued logic decides (``neq``/``not.eq`` skip NULLs, ``not`` keeps
    unknown unknown, ``or`` with true is true, ``and`` with false is false).
    """
    pool = draw(value_pools())
    found = draw(item_sets(pool))
    pool = ValuePool({**pool.values, "id": tuple(item.id for item in found)})
    # neq once more: the comparison most often expected to select NULLs.
    on_null = draw(conditions(pool, (Operator.NEQ, *OPERATORS), NULLABLE_FIELDS))
    spec: Specification = on_null
    shape = draw(st.sampled_from(["not", "alone", "and", "or"]))
    if shape in {"and", "or"}:
        junction = Junction.AND if shape == "and" else Junction.OR
        parts = [on_null, draw(conditions(pool))]
        spec = CompositeSpecification(junction, tuple(draw(st.permutations(parts))))
    if shape == "not" or draw(st.booleans()):
        spec = NotSpecification(spec)
    return Scenario(found, spec, draw(sorts()), MAX_ITEMS + 1)


# -- prices as the grammar reads them ---------------------------------------------------


@st.composite
def grammar_prices(draw: st.DrawFn, pool: ValuePool) -> Decimal:
    """A price condition value the parser accepts (``-?\\d{1,20}(\\.\\d{1,20})?``):
    often a stored price nudged by less than a cent, or padded with zeros past the cents.
    """
    stored = [value for value in pool.values.get("price", ()) if value is not None]
    near = draw(st.sampled_from(stored)) if stored else Decimal("12.50")
    places = draw(st.integers(3, 20))
    step = Decimal(draw(st.integers(1, 9))).scaleb(-places)
    with localcontext() as exact:  # the parser's Decimal(text) is exact: so are these
        exact.prec = 60
        candidates = [near.quantize(Decimal(1).scaleb(-places)), near - step, near + step]
    return draw(
        st.one_of(
            st.sampled_from(candidates),
            st.decimals(-(10**20) + 1, 10**20 - 1, places=draw(st.integers(0, 20))),
        )
    )


@st.composite
def price_scenarios(draw: st.DrawFn) -> Scenario:
    """One comparison or ``in`` on price with values the grammar accepts for it."""
    pool = draw(value_pools())
    found = draw(item_sets(pool))
    operator = draw(st.sampled_from((*COMPARISONS, Operator.IN)))
    values = grammar_prices(pool)
    value = tuple(draw(st.lists(values, min_size=1))) if operator is Operator.IN else draw(values)
    return Scenario(
        found, FieldSpecification("price", operator, value), draw(sorts()), MAX_ITEMS + 1
    )
