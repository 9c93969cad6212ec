"""A resource declaration: everything the generics need to serve one entity.

Declaring an entity, its input DTO and its table is all a new resource takes;
CRUD pipelines, SQL, routes and JSON come from the generic packages.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

import attrs
from cattrs.gen import make_dict_unstructure_fn_from_attrs
from returns.future import FutureResult
from returns.result import Failure, Result

from my_api.kernel.bus import Writing
from my_api.kernel.converter import CONVERTER, structure_input
from my_api.kernel.entity import BOOKKEEPING_FIELDS
from my_api.kernel.errors import AppError, FieldError, InvalidInput
from my_api.kernel.events import DomainEvent, Emitted
from my_api.kernel.listing import Catalog
from my_api.kernel.member_command import MemberCommand
from my_api.kernel.merge_patch import merge_patch
from my_api.kernel.table import EntityTable
from my_api.kernel.unit_of_work import Session

E = TypeVar("E")
C = TypeVar("C", bound=attrs.AttrsInstance)

WRITES = frozenset({"create", "replace", "patch", "delete"})


def _writes(_: object, attribute: attrs.Attribute[frozenset[str]], value: frozenset[str]) -> None:
    if not value <= WRITES:
        raise ValueError(f"{attribute.name}: not writes of a collection: {sorted(value - WRITES)}")


@attrs.frozen
class Resource(Generic[E, C]):
    """``dto`` is the body of POST and of PUT; PATCH merges into it.

    Every DTO field must be an entity attribute of the same name and the same
    annotation, checked at declaration; the bookkeeping attributes (id,
    timestamps, version) belong to the generics.
    """

    name: str
    table: EntityTable[E]
    dto: type[C]
    # Fields clients may filter and sort lists on (declared, never inferred).
    filterable: frozenset[str] = frozenset()
    sortable: frozenset[str] = frozenset()
    # Entity attributes never shown to clients.
    hidden: frozenset[str] = frozenset({"deleted_at"})
    # State changes beyond CRUD, each served as POST {collection}/{id}/{name}.
    commands: tuple[MemberCommand[E, Any], ...] = ()
    # The generic writes the collection serves; the others answer 405 (orders change
    # only through their commands).
    writes: frozenset[str] = attrs.field(default=WRITES, validator=_writes)
    # How a new entity is made, when it is more than storing the DTO: placing an order
    # reserves stock. It answers the entity and every event of the write.
    create: Callable[[C, Writing], FutureResult[Emitted[E], AppError]] | None = None
    # Why a live entity may not be deleted (an item that placed orders hold), checked
    # in the deleting unit of work before anything is written.
    may_delete: Callable[[Session, E], FutureResult[None, AppError]] | None = None

    # Built once: cattrs generates the entity -> document function, hidden fields omitted.
    _render: Callable[[E], dict[str, Any]] = attrs.field(init=False, eq=False, repr=False)
    # Built once: the DTO's field names, read off each DTO.
    _dto_fields: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)
    _catalog: Catalog = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        undeclared = (self.filterable | self.sortable) - set(self.table.mapping.names)
        if undeclared:
            raise ValueError(f"{self.name}: not columns of the table: {sorted(undeclared)}")
        entity = attrs.resolve_types(cast(type[attrs.AttrsInstance], self.table.entity))
        dto = attrs.resolve_types(self.dto)
        # The generics build and replace entities from the DTO field by field; a resource
        # whose own ``create`` reads the DTO and that serves neither PUT nor PATCH (orders:
        # lines in, prices and total worked out) owes them nothing.
        if self.create is None or self.writes & {"replace", "patch"}:
            problems = dto_mismatches(entity, dto)
            if problems:
                raise ValueError(f"{self.name}: " + "; ".join(problems))
        shown = [field for field in attrs.fields(entity) if field.name not in self.hidden]
        render = make_dict_unstructure_fn_from_attrs(shown, entity, CONVERTER)
        object.__setattr__(self, "_render", render)
        object.__setattr__(self, "_dto_fields", tuple(field.name for field in attrs.fields(dto)))
        # Built here so that what a catalog refuses (a JSON column as filterable, say)
        # fails at declaration.
        object.__setattr__(self, "_catalog", self._built_catalog())

    @property
    def catalog(self) -> Catalog:
        return self._catalog

    def _built_catalog(self) -> Catalog:
        columns = {column.name: column for column in self.table.mapping.columns}
        return Catalog(
            filterable={name: columns[name] for name in sorted(self.filterable)},
            sortable=self.sortable | {"id"},
            columns=columns,
        )

    def new(self, dto: C, *, entity_id: UUID, now: datetime) -> E:
        build = cast("Callable[..., E]", self.table.entity)
        return build(
            id=entity_id,
            created_at=now,
            updated_at=now,
            version=1,
            deleted_at=None,
            **{name: getattr(dto, name) for name in self._dto_fields},
        )

    def replaced(self, current: E, dto: C) -> E:
        return attrs.evolve(current, **attrs.asdict(dto, recurse=False))  # type: ignore[misc]

    def writable(self, entity: E) -> dict[str, Any]:
        """The client-controlled state of ``entity``, as the DTO sees it."""
        return {name: getattr(entity, name) for name in self._dto_fields}

    def patched(self, current: E, patch: Mapping[str, Any]) -> Result[E, AppError]:
        """Apply a JSON merge patch to the client-visible state, validated like a PUT.

        Unknown keys are reported even when null: merging alone would drop
        ``{"bogus": null}`` silently.
        """
        known = self._dto_fields
        unknown = [
            FieldError(name, "is not a known field", "unknown_field")
            for name in patch
            if name not in known
        ]
        document = merge_patch(
            CONVERTER.unstructure(self.writable(current)),
            {name: value for name, value in patch.items() if name in known},
        )
        structured = structure_input(document, self.dto)
        if unknown:
            errors = structured.failure().errors if isinstance(structured, Failure) else ()
            return Failure(InvalidInput((*unknown, *errors)))
        return structured.map(lambda dto: self.replaced(current, dto))

    def view(self, entity: E) -> dict[str, Any]:
        """The JSON-ready representation clients see."""
        return self._render(entity)

    @property
    def aggregate(self) -> str:
        """The entity's name in event types: its class in snake case (``Item`` -> ``item``)."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.table.entity.__name__).lower()

    def event(self, what: str, entity: E, *, event_id: UUID, now: datetime) -> DomainEvent:
        """``<aggregate>.<what>`` happened to ``entity``; it carries the entity as shown."""
        stored = cast(Any, entity)
        return DomainEvent(
            id=event_id,
            type=f"{self.aggregate}.{what}",
            collection=self.name,
            aggregate_id=stored.id,
            aggregate_version=stored.version,
            time=now,
            data=self.view(entity),
        )


def dto_mismatches(entity: type[attrs.AttrsInstance], dto: type[attrs.AttrsInstance]) -> list[str]:
    """Why ``dto`` cannot feed ``entity`` (annotations resolved): each problem names its field.

    A DTO field must be a client-controlled entity attribute with the same
    annotation, and every other client-controlled attribute needs a default,
    or ``Resource.new`` could not build the entity.
    """
    attributes = attrs.fields_dict(entity)
    fields = attrs.fields_dict(dto)
    problems = [_field_problem(entity, dto, field, attributes) for field in fields.values()]
    problems += [
        f"{entity.__name__}.{name} has no default and is not a field of {dto.__name__}"
        for name, attribute in attributes.items()
        if name not in fields
        and name not in BOOKKEEPING_FIELDS
        and attribute.default is attrs.NOTHING
    ]
    return [problem for problem in problems if problem is not None]


def _field_problem(
    entity: type[Any], dto: type[Any], field: attrs.Attribute[Any], attributes: Mapping[str, Any]
) -> str | None:
    spelled = f"{dto.__name__}.{field.name}"
    if field.name in BOOKKEEPING_FIELDS:
        return f"{spelled} is a bookkeeping attribute, which only the generics set"
    attribute = attributes.get(field.name)
    if attribute is None:
        return f"{spelled} is not an attribute of {entity.__name__}"
    if field.type != attribute.type:
        return (
            f"{spelled} is annotated {_spelling(field.type)}, but "
            f"{entity.__name__}.{field.name} is {_spelling(attribute.type)}"
        )
    return None


def _spelling(annotation: Any) -> str:
    return annotation.__name__ if isinstance(annotation, type) else repr(annotation)
