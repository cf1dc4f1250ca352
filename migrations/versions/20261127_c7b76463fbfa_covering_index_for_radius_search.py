"""Grid cells and a covering index for radius search.

Reviewed by hand: `cell` (geo.grid) is added nullable, filled from each listing's x/y, then made
NOT NULL; the index holds everything the radius search reads, so it never touches the table.

Revision ID: c7b76463fbfa
Revises: fde2a4e19f86
Create Date: 2026-11-27 12:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

revision: str = "c7b76463fbfa"
down_revision: str | None = "fde2a4e19f86"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["status", "cell", "x", "y", "available_until", "lon", "lat", "id"]


def upgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cell", sa.Integer(), nullable=True))
    _fill_cells()
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.alter_column("cell", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_index("ix_listings_status_x_y")
        batch_op.create_index("ix_listings_geo", COLUMNS, unique=False)


def _fill_cells() -> None:
    if context.is_offline_mode():
        return  # `alembic upgrade --sql` renders DDL only; there are no rows to fill
    from geo.grid import cell_of

    bind = op.get_bind()
    for listing_id, x, y in bind.execute(sa.text("SELECT id, x, y FROM listings")).all():
        bind.execute(
            sa.text("UPDATE listings SET cell = :cell WHERE id = :id"),
            {"cell": cell_of(x, y), "id": listing_id},
        )


def downgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_geo")
        batch_op.create_index("ix_listings_status_x_y", ["status", "x", "y"], unique=False)
        batch_op.drop_column("cell")
