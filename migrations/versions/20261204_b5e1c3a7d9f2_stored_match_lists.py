"""Stored match lists (issue 16): each live listing's best counterparts, kept by a job.

Reviewed by hand: `match_lists` (one row per listing whose list is built) and `match_entries`
(its counterparts with score and distance from that listing's point of view), and
`listings.matches_due`, set while a listing's change still has to be taken into the lists. The
upgrade marks every published listing due, so the sweep builds the lists; `flask market
rebuild` builds them all at once (README, "Upgrading").

Revision ID: b5e1c3a7d9f2
Revises: b5c7d9e1f3a2
Create Date: 2026-12-04 16:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5e1c3a7d9f2"
down_revision: str | None = "b5c7d9e1f3a2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_lists",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("computed_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_match_lists_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", name=op.f("pk_match_lists")),
    )
    op.create_table(
        "match_entries",
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("counterpart_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("distance_km", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["counterpart_id"],
            ["listings.id"],
            name=op.f("fk_match_entries_counterpart_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["match_lists.listing_id"],
            name=op.f("fk_match_entries_listing_id_match_lists"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("listing_id", "counterpart_id", name=op.f("pk_match_entries")),
    )
    with op.batch_alter_table("match_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_match_entries_counterpart_id"), ["counterpart_id"], unique=False
        )
        batch_op.create_index(
            "ix_match_entries_rank",
            ["listing_id", "score", "distance_km", "counterpart_id"],
            unique=False,
        )
    # Not in batch mode: on SQLite that would rebuild `listings` and drop the full-text
    # triggers of b5c7d9e1f3a2; ADD COLUMN and DROP COLUMN need no rebuild.
    op.add_column(
        "listings",
        sa.Column("matches_due", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(op.f("ix_listings_matches_due"), "listings", ["matches_due"], unique=False)
    op.execute(sa.text("UPDATE listings SET matches_due = true WHERE status = 'published'"))


def downgrade() -> None:
    op.drop_index(op.f("ix_listings_matches_due"), table_name="listings")
    op.execute(sa.text("ALTER TABLE listings DROP COLUMN matches_due"))
    with op.batch_alter_table("match_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_match_entries_rank")
        batch_op.drop_index(batch_op.f("ix_match_entries_counterpart_id"))
    op.drop_table("match_entries")
    op.drop_table("match_lists")
