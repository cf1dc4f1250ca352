"""Today's route of an offered stream, and deliveries confirmed by the other firm (issue 13).

Reviewed by hand: listings gain the seller's statement of what happens to the stream today
(NULL = not stated, the category's usual fate is assumed) and the haul to today's disposal site
or user; deals' route "other" becomes "sold" (that is what it meant: sold or used elsewhere) and
gain today's substitution ratio; alert notifications say whether their estimate is per year;
deliveries gain a status with who confirmed or disputed them.
Every delivery logged before this revision is marked confirmed (both firms saw it in the deal).

Revision ID: 3c1d2e4f5a6b
Revises: 5b1e0c9d7a42
Create Date: 2026-12-02 22:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "3c1d2e4f5a6b"
down_revision: str | None = "5b1e0c9d7a42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_PERIOD = ["delivered_on", "deal_id", "tonnes", "co2e_kg", "sek", "quantity"]
# Factor set v1 as loaded before this revision named a file of the repository in its label and
# one note; the page shows both, so they are reworded (the values are untouched).
OLD_LABEL = "IMPACT.md 2025 (DESNZ 2025, IVL, Skatteverket, Karlstads Energi 2024)"
NEW_LABEL = "DESNZ 2025, IVL, Ei, Skatteverket, Karlstads Energi 2024"
OLD_NOTE = "road km per straight-line km; 1.3 is a modelling default (IMPACT.md gives no year)"
NEW_NOTE = "road km per straight-line km; 1.3 is a modelling default (no year published)"
ROUTES = "current_route IS NULL OR current_route IN ('landfill', 'incineration', 'sold', 'unknown')"


def _reword(old_label: str, new_label: str, old_note: str, new_note: str) -> None:
    op.execute(
        sa.text("UPDATE factor_sets SET label = :new WHERE label = :old").bindparams(
            new=new_label, old=old_label
        )
    )
    op.execute(
        sa.text("UPDATE factors SET note = :new WHERE note = :old").bindparams(
            new=new_note, old=old_note
        )
    )


def upgrade() -> None:
    _reword(OLD_LABEL, NEW_LABEL, OLD_NOTE, NEW_NOTE)
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("current_route", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("current_route_km", sa.Float(), nullable=True))
        batch_op.create_check_constraint("current_route", ROUTES)
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("substitution_today", sa.Float(), nullable=True))
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("estimate_per", sa.String(length=4), nullable=True))
    op.execute("UPDATE deals SET baseline_route = 'sold' WHERE baseline_route = 'other'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("logged_by_org_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=9), nullable=True))
        batch_op.add_column(
            sa.Column("confirmed_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("confirmed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("disputed_at", models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("disputed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("dispute_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_deliveries_logged_by_org_id_organisations"),
            "organisations",
            ["logged_by_org_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            op.f("fk_deliveries_confirmed_by_id_users"),
            "users",
            ["confirmed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            op.f("fk_deliveries_disputed_by_id_users"),
            "users",
            ["disputed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute("UPDATE deliveries SET status = 'confirmed', confirmed_at = created_at")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("status", existing_type=sa.String(length=9), nullable=False)
        batch_op.create_check_constraint("status", "status IN ('pending', 'confirmed', 'disputed')")
        batch_op.drop_index("ix_deliveries_period")
        batch_op.create_index("ix_deliveries_period", [*OLD_PERIOD, "status"], unique=False)


def downgrade() -> None:
    _reword(NEW_LABEL, OLD_LABEL, NEW_NOTE, OLD_NOTE)
    # Pending and disputed deliveries did not exist before: they are dropped, not counted.
    op.execute("DELETE FROM deliveries WHERE status <> 'confirmed'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_period")
        batch_op.create_index("ix_deliveries_period", OLD_PERIOD, unique=False)
        batch_op.drop_constraint(op.f("ck_deliveries_status"), type_="check")
        batch_op.drop_constraint(op.f("fk_deliveries_disputed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_deliveries_confirmed_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(
            op.f("fk_deliveries_logged_by_org_id_organisations"), type_="foreignkey"
        )
        for column in (
            "dispute_reason", "disputed_by_id", "disputed_at", "confirmed_by_id",
            "confirmed_at", "status", "logged_by_org_id",
        ):  # fmt: skip
            batch_op.drop_column(column)
    op.execute(
        "UPDATE deals SET baseline_route = 'other' WHERE baseline_route IN ('sold', 'unknown')"
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("estimate_per")
    with op.batch_alter_table("deals", schema=None) as batch_op:
        batch_op.drop_column("substitution_today")
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_listings_current_route"), type_="check")
        batch_op.drop_column("current_route_km")
        batch_op.drop_column("current_route")
