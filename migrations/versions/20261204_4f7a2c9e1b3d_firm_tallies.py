"""Firm tallies: each firm's published offers, wants and tonnes offered, for the home totals
(issue 16).

Reviewed by hand. The table is filled from the listings here, in SQL that follows
`models.taxonomy.tonnes` (t as is, kg / 1000, m³ × density when a density is given, other units
nothing) on each material offer's remaining quantity; from then on the services keep it and
`flask market rebuild` recomputes it. The index on (status, available_until) finds the published
listings past their end date that the totals subtract.

Revision ID: 4f7a2c9e1b3d
Revises: 9a4b6c8d0e1f
Create Date: 2026-12-04 09:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4f7a2c9e1b3d"
down_revision: str | None = "9a4b6c8d0e1f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = """
INSERT INTO firm_tallies (organisation_id, offers, wants, tonnes_offered)
SELECT organisation_id,
       SUM(CASE WHEN direction = 'offer' THEN 1 ELSE 0 END),
       SUM(CASE WHEN direction = 'want' THEN 1 ELSE 0 END),
       COALESCE(SUM(CASE
           WHEN direction <> 'offer' OR kind <> 'material' OR remaining_quantity IS NULL THEN 0
           WHEN unit = 't' THEN remaining_quantity
           WHEN unit = 'kg' THEN remaining_quantity / 1000.0
           WHEN unit = 'm3' AND density_t_per_m3 <> 0 THEN remaining_quantity * density_t_per_m3
           ELSE 0 END), 0)
FROM listings
WHERE status = 'published'
GROUP BY organisation_id
"""


def upgrade() -> None:
    op.create_table(
        "firm_tallies",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("offers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("wants", sa.Integer(), server_default="0", nullable=False),
        sa.Column("tonnes_offered", sa.Float(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_firm_tallies_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_firm_tallies")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_listings_status_until", ["status", "available_until"], unique=False
        )
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_status_until")
    op.drop_table("firm_tallies")
