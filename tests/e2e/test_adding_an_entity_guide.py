"""docs/adding-an-entity.md, run: its code, as written there, serves a new resource.

The guide's two Python modules are loaded under the names it gives them, its SQLite
migration is added to a copy of the shipped ones, and the service is built by the
composition root from the catalog line of step 4. If the guide drifts from the code,
this test fails.
"""

from __future__ import annotations

import re
import shutil
import sys
import types
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import databases
import httpx2
import pytest
from returns.result import Success

from my_api.adapters.sql.connections import AcquireTimeout, DatabaseConnections
from my_api.adapters.sql.dialect import SQLITE
from my_api.adapters.sql.migrations import MIGRATIONS_ROOT, MigrationRunner
from my_api.application.catalog import SERVED_ITEMS, Resources
from my_api.application.orders import ORDERS
from my_api.bootstrap import build_container, create_app
from my_api.settings import Settings

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "adding-an-entity.md"
FENCE = re.compile(r"```(python|sql)\n(.*?)```", re.DOTALL)


def _blocks(language: str) -> list[str]:
    return [code for kind, code in FENCE.findall(GUIDE.read_text("utf-8")) if kind == language]


def _sqlite_migration() -> tuple[str, str]:
    """The file name and text of the guide's SQLite migration."""
    text = GUIDE.read_text("utf-8")
    name = re.search(r"`sql/migrations/sqlite/(\d{4}_\w+\.sql)`", text)
    assert name is not None, "the guide names no SQLite migration"
    after = text[name.end() :]
    block = FENCE.search(after)
    assert block is not None
    return name.group(1), block.group(2)


@pytest.fixture
def guide_modules() -> Iterator[dict[str, Any]]:
    """The entity module and the declaration module, loaded as the guide names them."""
    entity, declaration, catalog = _blocks("python")[:3]
    names = ("my_api.domain.supplier", "my_api.application.suppliers")
    try:
        for name, source in zip(names, (entity, declaration), strict=True):
            module = types.ModuleType(name)
            sys.modules[name] = module
            exec(compile(source, f"{GUIDE}:{name}", "exec"), module.__dict__)  # noqa: S102
        suppliers = sys.modules["my_api.application.suppliers"].SUPPLIERS
        namespace: dict[str, Any] = {
            "Resources": Resources,
            "SERVED_ITEMS": SERVED_ITEMS,
            "ORDERS": ORDERS,
            "SUPPLIERS": suppliers,
        }
        exec(catalog, namespace)  # noqa: S102 - the guide's catalog line
        yield namespace
    finally:
        for name in names:
            sys.modules.pop(name, None)


@pytest.fixture
async def client(
    guide_modules: dict[str, Any], tmp_path: Path
) -> AsyncIterator[httpx2.AsyncClient]:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_ROOT / "sqlite", migrations)
    name, sql = _sqlite_migration()
    (migrations / name).write_text(sql, encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'guide.db'}"
    settings = Settings(database_url=url, access_log=False, migrate_on_start=False)
    container = build_container(settings, resources=guide_modules["RESOURCES"])
    database = container[databases.Database]
    async with database:
        connections = DatabaseConnections(database, SQLITE, AcquireTimeout(5))
        applied = await MigrationRunner(connections, SQLITE, migrations).apply()
        assert isinstance(applied, Success), applied
    app = create_app(container)  # its start-up checks the suppliers table against Supplier
    transport = httpx2.ASGITransport(app=app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx2.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield http


async def test_the_guide_s_supplier_is_served_created_read_filtered_and_patched(
    client: httpx2.AsyncClient,
) -> None:
    created = await client.post("/api/v1/suppliers", json={"name": "Acme", "rating": 4})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["contact_email"] is None
    location = created.headers["location"]
    await client.post("/api/v1/suppliers", json={"name": "Bolt"})

    fetched = await client.get(location)
    found = await client.get("/api/v1/suppliers?rating=gte.3&sort=-rating,name")
    patched = await client.patch(
        location,
        json={"contact_email": "sales@acme.example"},
        headers={"Content-Type": "application/merge-patch+json", "If-Match": '"1"'},
    )

    assert fetched.json()["data"]["name"] == "Acme"
    assert [s["name"] for s in found.json()["items"]] == ["Acme"]
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == '"2"'


async def test_the_guide_s_rules_refuse_a_bad_supplier_naming_each_field(
    client: httpx2.AsyncClient,
) -> None:
    refused = await client.post("/api/v1/suppliers", json={"name": "", "rating": 9})

    assert refused.status_code == 422
    assert {error["field"] for error in refused.json()["errors"]} == {"name", "rating"}
