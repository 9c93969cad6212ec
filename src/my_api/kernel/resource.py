"""A resource declaration: everything the generics need to serve one entity.

Declaring an entity, its DTOs and its table mapping is all a new resource
takes; CRUD pipelines, SQL, routes and JSON come from ``shared/``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Generic, TypeVar, cast
from uuid import UUID

import attrs
from cattrs.gen import make_dict_unstructure_fn_from_attrs
from returns.result import Failure, Result

from my_api.kernel.converter import CONVERTER, structure_input
from my_api.kernel.errors import AppError, FieldError, InvalidInput
from my_api.kernel.listing import Catalog
from my_api.kernel.member_command import MemberCommand
from my_api.kernel.merge_patch import merge_patch
from my_api.kernel.table import EntityTable

E = TypeVar("E")
C = TypeVar("C", bound=attrs.AttrsInstance)
R = TypeVar("R", bound=attrs.AttrsInstance)


@attrs.frozen
class Resource(Generic[E, C, R]):
    """``create`` is the POST body; ``replace`` the PUT body, which PATCH merges into.

    Every DTO field must be an entity attribute of the same name; the
    bookkeeping attributes (id, timestamps, version) belong to the generics.
    """

    name: str
    table: EntityTable[E]
    create: type[C]
    replace: type[R]
    # Fields clients may filter and sort lists on (declared, never inferred).
    filterable: frozenset[str] = frozenset()
    sortable: frozenset[str] = frozenset()
    # Entity attributes never shown to clients.
    hidden: frozenset[str] = frozenset({"deleted_at"})
    # State changes beyond CRUD, each served as POST {collection}/{id}/{name}.
    commands: tuple[MemberCommand[E, Any], ...] = ()

    # Built once: cattrs generates the entity -> document function, hidden fields omitted.
    _render: Callable[[E], dict[str, Any]] = attrs.field(init=False, eq=False, repr=False)
    # Built once: the create DTO's field names, read off each new DTO.
    _create_fields: tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        undeclared = (self.filterable | self.sortable) - set(self.table.mapping.names)
        if undeclared:
            raise ValueError(f"{self.name}: not columns of the table: {sorted(undeclared)}")
        entity = attrs.resolve_types(cast(type[attrs.AttrsInstance], self.table.entity))
        shown = [field for field in attrs.fields(entity) if field.name not in self.hidden]
        render = make_dict_unstructure_fn_from_attrs(shown, entity, CONVERTER)
        object.__setattr__(self, "_render", render)
        create_fields = tuple(field.name for field in attrs.fields(self.create))
        object.__setattr__(self, "_create_fields", create_fields)

    @property
    def catalog(self) -> Catalog:
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
            **{name: getattr(dto, name) for name in self._create_fields},
        )

    def replaced(self, current: E, dto: R) -> E:
        return attrs.evolve(current, **attrs.asdict(dto, recurse=False))  # type: ignore[misc]

    def writable(self, entity: E) -> dict[str, Any]:
        """The client-controlled state of ``entity``, as the ``replace`` DTO sees it."""
        return {field.name: getattr(entity, field.name) for field in attrs.fields(self.replace)}

    def patched(self, current: E, patch: Mapping[str, Any]) -> Result[E, AppError]:
        """Apply a JSON merge patch to the client-visible state, validated like a PUT.

        Unknown keys are reported even when null: merging alone would drop
        ``{"bogus": null}`` silently.
        """
        known = attrs.fields_dict(self.replace)
        unknown = [
            FieldError(name, "is not a known field", "unknown_field")
            for name in patch
            if name not in known
        ]
        document = merge_patch(
            CONVERTER.unstructure(self.writable(current)),
            {name: value for name, value in patch.items() if name in known},
        )
        structured = structure_input(document, self.replace)
        if unknown:
            errors = structured.failure().errors if isinstance(structured, Failure) else ()
            return Failure(InvalidInput((*unknown, *errors)))
        return structured.map(lambda dto: self.replaced(current, dto))

    def view(self, entity: E) -> dict[str, Any]:
        """The JSON-ready representation clients see."""
        return self._render(entity)
