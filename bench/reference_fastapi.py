"""FastAPI + SQLAlchemy 2 async ORM + Pydantic v2: the stack users would otherwise pick.

Written the way those projects' tutorials write it: a declarative model with
optimistic locking (``version_id_col``), a session per request from a
dependency, Pydantic models for bodies and responses (return annotations are
the response models). Same endpoints, JSON shapes and headers as the service.
A benchmark fixture only: the service never imports it.

Run: ``BENCH_DATABASE_URL=postgresql://... uvicorn reference_fastapi:app``
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import DateTime, Numeric, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

T = TypeVar("T")


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "items"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str]
    description: Mapped[str | None]
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    quantity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column()
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's spelling


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    price: Decimal
    quantity: int
    created_at: datetime
    updated_at: datetime
    version: int


class Envelope(BaseModel, Generic[T]):
    data: T
    request_id: str
    timestamp: datetime


class ItemPage(BaseModel):
    items: list[ItemOut]
    total: int
    page: int
    size: int
    pages: int
    has_next: bool
    has_previous: bool


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=1000)
    price: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    quantity: int = Field(ge=0, lt=2**31)


class ItemPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=1000)
    price: Decimal | None = Field(default=None, gt=0, max_digits=12, decimal_places=2)
    quantity: int | None = Field(default=None, ge=0, lt=2**31)


engine = create_async_engine(
    os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://", 1),
    pool_size=10,
    max_overflow=0,
)
Session = async_sessionmaker(engine, expire_on_commit=False)


async def get_session() -> AsyncIterator[AsyncSession]:
    async with Session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
app = FastAPI()


def envelope(item: Item, response: Response) -> Envelope[ItemOut]:
    response.headers["ETag"] = f'"{item.version}"'
    return Envelope[ItemOut](
        data=ItemOut.model_validate(item),
        request_id=uuid.uuid4().hex,
        timestamp=datetime.now(UTC),
    )


async def live_item(session: AsyncSession, item_id: uuid.UUID) -> Item:
    item = await session.scalar(select(Item).where(Item.id == item_id, Item.deleted_at.is_(None)))
    if item is None:
        raise HTTPException(404, "Not Found")
    return item


@app.get("/api/v1/items/{item_id}")
async def get_item(
    item_id: uuid.UUID, response: Response, session: SessionDep
) -> Envelope[ItemOut]:
    return envelope(await live_item(session, item_id), response)


SORTS = {
    None: (Item.id.asc(),),
    "price": (Item.price.asc(), Item.id.asc()),
    "-price": (Item.price.desc(), Item.id.desc()),
}


def price_floor(price: str | None) -> list[Any]:
    """``price=gte.X`` (the one filter of the service's query language handled here)."""
    if price is None:
        return []
    operator, _, value = price.partition(".")
    try:
        floor = Decimal(value)
    except InvalidOperation:
        raise HTTPException(400, "Bad Request") from None
    if operator != "gte" or not floor.is_finite():
        raise HTTPException(400, "Bad Request")
    return [Item.price >= floor]


@app.get("/api/v1/items")
async def list_items(
    session: SessionDep,
    page: Annotated[int, Query(ge=1)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 20,
    price: str | None = None,
    sort: str | None = None,
) -> ItemPage:
    if sort not in SORTS:
        raise HTTPException(400, "Bad Request")
    where = [Item.deleted_at.is_(None), *price_floor(price)]
    total = await session.scalar(select(func.count()).select_from(Item).where(*where)) or 0
    rows = await session.scalars(
        select(Item).where(*where).order_by(*SORTS[sort]).limit(size).offset((page - 1) * size)
    )
    pages = -(-total // size)
    return ItemPage(
        items=[ItemOut.model_validate(item) for item in rows],
        total=total,
        page=page,
        size=size,
        pages=pages,
        has_next=page < pages,
        has_previous=page > 1,
    )


@app.post("/api/v1/items", status_code=201)
async def create_item(
    body: ItemCreate, response: Response, session: SessionDep
) -> Envelope[ItemOut]:
    now = datetime.now(UTC)
    item = Item(id=uuid.uuid4(), **body.model_dump(), created_at=now, updated_at=now)
    session.add(item)
    await session.commit()
    response.headers["Location"] = f"/api/v1/items/{item.id}"
    return envelope(item, response)


@app.patch("/api/v1/items/{item_id}")
async def patch_item(
    item_id: uuid.UUID,
    patch: ItemPatch,
    response: Response,
    session: SessionDep,
    if_match: Annotated[str | None, Header()] = None,
) -> Envelope[ItemOut]:
    item = await live_item(session, item_id)
    if if_match not in (None, "*", f'"{item.version}"'):
        raise HTTPException(412, "Precondition Failed")
    changes: dict[str, Any] = {
        name: value
        for name, value in patch.model_dump(exclude_unset=True).items()
        if getattr(item, name) != value
    }
    if changes:
        for name, value in changes.items():
            setattr(item, name, value)
        item.updated_at = datetime.now(UTC)
        try:
            await session.commit()  # the ORM bumps version and checks the old one
        except StaleDataError:
            raise HTTPException(412, "Precondition Failed") from None
    return envelope(item, response)
