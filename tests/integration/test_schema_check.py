"""Start-up refuses a database whose columns disagree with the declared entities."""

from __future__ import annotations

from pathlib import Path

import databases
import pytest
from returns.result import Failure, Success

from my_api.bootstrap import StartupError, build_container, create_app, prepare_database
from my_api.settings import Settings


async def _prepared_after(url: str, damage: str | None) -> Failure[str] | Success[None]:
    """Migrate ``url``, run ``damage`` on it, then prepare it as start-up does."""
    container = build_container(Settings(database_url=url))
    database = container[databases.Database]
    await database.connect()
    try:
        assert isinstance(await prepare_database(container), Success)
        if damage is not None:
            await database.execute(damage)
        return await prepare_database(container)  # type: ignore[return-value]
    finally:
        await database.disconnect()


async def test_a_migrated_database_matches_every_entity(tmp_path: Path) -> None:
    assert await _prepared_after(f"sqlite:///{tmp_path / 'ok.db'}", None) == Success(None)


async def test_a_column_missing_from_the_database_fails_start_up_naming_the_field(
    tmp_path: Path,
) -> None:
    outcome = await _prepared_after(
        f"sqlite:///{tmp_path / 'renamed.db'}",
        "ALTER TABLE items RENAME COLUMN quantity TO stock",
    )

    assert isinstance(outcome, Failure)
    assert "items.quantity" in outcome.failure()


@pytest.mark.postgres
async def test_a_nullability_mismatch_fails_start_up_naming_the_field(
    migrated_postgres: str,
) -> None:
    outcome = await _prepared_after(
        migrated_postgres, "ALTER TABLE items ALTER COLUMN price DROP NOT NULL"
    )
    try:
        assert isinstance(outcome, Failure)
        assert "items.price" in outcome.failure()
    finally:
        container = build_container(Settings(database_url=migrated_postgres))
        database = container[databases.Database]
        async with database:
            await database.execute("ALTER TABLE items ALTER COLUMN price SET NOT NULL")


async def test_the_app_does_not_start_on_a_mismatched_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    await _prepared_after(url, "ALTER TABLE items RENAME COLUMN name TO title")
    app = create_app(build_container(Settings(database_url=url, access_log=False)))

    with pytest.raises(StartupError, match=r"items\.name"):
        async with app.router.lifespan_context(app):
            pass  # pragma: no cover - start-up must fail before this
