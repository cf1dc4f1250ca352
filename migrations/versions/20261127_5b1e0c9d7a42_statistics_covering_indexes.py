"""Covering indexes for the staff statistics.

Reviewed by hand: the dashboard reads a period's listings and deliveries with every column it
groups and sums, so both indexes lead with the period column and hold the rest; the deliveries
one replaces the plain index on delivered_on (same leading column).

Revision ID: 5b1e0c9d7a42
Revises: 24dc63ec7873
Create Date: 2026-11-27 21:55:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "5b1e0c9d7a42"
down_revision: str | None = "24dc63ec7873"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTINGS = [
    "published_at", "status", "organisation_id", "direction", "kind", "unit", "recurrence",
    "quantity", "density_t_per_m3", "category", "municipality_code", "county_code",
]  # fmt: skip
DELIVERIES = ["delivered_on", "deal_id", "tonnes", "co2e_kg", "sek", "quantity"]


def upgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index("ix_listings_period", LISTINGS, unique=False)
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_delivered_on")
        batch_op.create_index("ix_deliveries_period", DELIVERIES, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_period")
        batch_op.create_index("ix_deliveries_delivered_on", ["delivered_on"], unique=False)
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_period")
