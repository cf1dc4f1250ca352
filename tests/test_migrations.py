"""Every revision upgrades and downgrades on SQLite and PostgreSQL; models match the schema."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from models import Base
from models.engine import make_engine
from models.listings import include_in_autogenerate
from tests.conftest import alembic_config, postgres_engine_or_skip

SCHEMA = "migration_check"


def _diff(connection) -> list:  # type: ignore[no-untyped-def]
    context = MigrationContext.configure(
        connection, opts={"compare_type": True, "include_object": include_in_autogenerate}
    )
    return compare_metadata(context, Base.metadata)


def _round_trip(connection) -> None:  # type: ignore[no-untyped-def]
    config = alembic_config(connection)
    command.upgrade(config, "head")
    assert _diff(connection) == []
    command.check(config)  # the same check as `alembic check`
    command.downgrade(config, "base")
    assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert {"listings", "sites", "users", "organisations", "ewc_codes"} <= set(
        inspect(connection).get_table_names()
    )


def test_sqlite_upgrade_check_downgrade_upgrade(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    with engine.begin() as connection:
        _round_trip(connection)
    engine.dispose()


def test_postgresql_upgrade_check_downgrade_upgrade():
    engine = postgres_engine_or_skip()
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
            connection.execute(text(f'SET LOCAL search_path TO "{SCHEMA}"'))
            _round_trip(connection)
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{SCHEMA}" CASCADE'))
    finally:
        engine.dispose()


@pytest.mark.parametrize("step", ["head", "base"])
def test_offline_sql_renders(step, capsys):  # type: ignore[no-untyped-def]
    """`alembic upgrade --sql` works for reviewing the DDL a deploy will run."""
    from alembic.config import Config

    from tests.conftest import ROOT

    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", "postgresql+psycopg://localhost/none")
    config.attributes["configure_logger"] = False
    if step == "head":
        command.upgrade(config, "head", sql=True)
        assert "CREATE TABLE listings" in capsys.readouterr().out
    else:
        command.downgrade(config, "head:base", sql=True)
        assert "DROP TABLE listings" in capsys.readouterr().out


def _insert(connection, table: str, **values) -> None:  # type: ignore[no-untyped-def]
    columns = ", ".join(values)
    placeholders = ", ".join(f":{name}" for name in values)
    connection.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"), values)


def test_listing_locations_are_filled_from_sites_when_upgrading(tmp_path):
    """Existing listings get their search point: the site, or the main town when anonymous."""
    from geo.gazetteer import MUNICIPALITY_BY_CODE

    engine = make_engine(f"sqlite:///{tmp_path / 'backfill.db'}")
    now = "2026-01-01 00:00:00"
    with engine.begin() as connection:
        config = alembic_config(connection)
        command.upgrade(config, "e97da5ae18c5")
        _insert(
            connection, "organisations", id=1, name="A", org_number="556036-0793", created_at=now
        )
        _insert(
            connection,
            "sites",
            id=1,
            organisation_id=1,
            name="S",
            municipality_code="2080",
            county_code="20",
            lat=60.7,
            lon=15.8,
            x=0,
            y=0,
            may_receive_hazardous=False,
            has_waste_permit=False,
            created_at=now,
        )
        for listing_id, visibility in ((1, "public"), (2, "anonymous")):
            _insert(
                connection,
                "listings",
                id=listing_id,
                organisation_id=1,
                site_id=1,
                direction="offer",
                kind="material",
                category="bark",
                is_hazardous=False,
                needs_assessment=False,
                title="T",
                description="",
                quantity=5,
                unit="t",
                recurrence="once",
                price_model="free",
                visibility=visibility,
                status="published",
                search_text="",
                created_at=now,
                updated_at=now,
            )
        command.upgrade(config, "head")
        query = text("SELECT id, lat, lon, municipality_code FROM listings")
        rows = {row[0]: tuple(row[1:]) for row in connection.execute(query)}
    falun = MUNICIPALITY_BY_CODE["2080"]
    assert rows[1] == (60.7, 15.8, "2080")
    assert rows[2] == (falun.lat, falun.lon, "2080")
    engine.dispose()
