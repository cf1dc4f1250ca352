"""Regional potential as allocated offer/want pairs (issue 13).

Reviewed by hand: one row per offer/want pair that the greedy allocation gives an amount, with
the amount per year and its CO2e and SEK; `match_potentials` keeps each listing's best match and
the sums of its pairs. Rows are recomputed by `flask stats refresh` (and nightly), so the table
starts empty; the sums in `match_potentials` are recomputed on the next refresh too.

Revision ID: 7d2e9f1a3b4c
Revises: 3c1d2e4f5a6b
Create Date: 2026-12-02 23:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "7d2e9f1a3b4c"
down_revision: str | None = "3c1d2e4f5a6b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "potential_pairs",
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("want_id", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("allocated", sa.Float(), nullable=False),
        sa.Column("co2e_kg", sa.Float(), nullable=False),
        sa.Column("sek", sa.Float(), nullable=False),
        sa.Column("factor_set_id", sa.Integer(), nullable=True),
        sa.Column("computed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["factor_set_id"],
            ["factor_sets.id"],
            name=op.f("fk_potential_pairs_factor_set_id_factor_sets"),
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["listings.id"],
            name=op.f("fk_potential_pairs_offer_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["want_id"],
            ["listings.id"],
            name=op.f("fk_potential_pairs_want_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("offer_id", "want_id", name=op.f("pk_potential_pairs")),
    )
    with op.batch_alter_table("potential_pairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_potential_pairs_want_id"), ["want_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("potential_pairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_potential_pairs_want_id"))
    op.drop_table("potential_pairs")
