"""Listing locations (search point, municipality, county) and imported boundaries.

Reviewed by hand: the new location columns are added nullable, filled from each listing's site
(anonymous listings get the coarse point of geo.coarsen), then made NOT NULL.

Revision ID: 940bef932337
Revises: e97da5ae18c5
Create Date: 2026-11-27 11:42:50.944155+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

import models.base

revision: str = "940bef932337"
down_revision: str | None = "e97da5ae18c5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "boundaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=4), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("geojson", sa.Text(), nullable=False),
        sa.Column("min_x", sa.Float(), nullable=False),
        sa.Column("min_y", sa.Float(), nullable=False),
        sa.Column("max_x", sa.Float(), nullable=False),
        sa.Column("max_y", sa.Float(), nullable=False),
        sa.Column("updated_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_boundaries")),
        sa.UniqueConstraint("kind", "code", name=op.f("uq_boundaries_kind_code")),
    )
    with op.batch_alter_table("listings", schema=None) as batch_op:
        for name in ("lat", "lon", "x", "y"):
            batch_op.add_column(sa.Column(name, sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("municipality_code", sa.String(length=4), nullable=True))
        batch_op.add_column(sa.Column("county_code", sa.String(length=2), nullable=True))
    _fill_locations()
    with op.batch_alter_table("listings", schema=None) as batch_op:
        for name in ("lat", "lon", "x", "y"):
            batch_op.alter_column(name, existing_type=sa.Float(), nullable=False)
        batch_op.create_index(batch_op.f("ix_listings_county_code"), ["county_code"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_listings_municipality_code"), ["municipality_code"], unique=False
        )
        batch_op.create_index("ix_listings_status_x_y", ["status", "x", "y"], unique=False)


def _fill_locations() -> None:
    from geo.coarsen import coarse_point
    from geo.crs import to_sweref

    if context.is_offline_mode():
        return  # `alembic upgrade --sql` renders DDL only; there are no rows to fill
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT l.id, l.visibility, s.lat, s.lon, s.municipality_code, s.county_code "
            "FROM listings l JOIN sites s ON s.id = l.site_id"
        )
    ).all()
    for listing_id, visibility, lat, lon, municipality, county in rows:
        if visibility == "anonymous":
            lon, lat = coarse_point(lon, lat, municipality)
        x, y = to_sweref(lon, lat)
        bind.execute(
            sa.text(
                "UPDATE listings SET lat=:lat, lon=:lon, x=:x, y=:y, municipality_code=:m, "
                "county_code=:c WHERE id=:id"
            ),
            {
                "lat": lat,
                "lon": lon,
                "x": x,
                "y": y,
                "m": municipality,
                "c": county,
                "id": listing_id,
            },
        )


def downgrade() -> None:
    with op.batch_alter_table("listings", schema=None) as batch_op:
        batch_op.drop_index("ix_listings_status_x_y")
        batch_op.drop_index(batch_op.f("ix_listings_municipality_code"))
        batch_op.drop_index(batch_op.f("ix_listings_county_code"))
        batch_op.drop_column("county_code")
        batch_op.drop_column("municipality_code")
        batch_op.drop_column("y")
        batch_op.drop_column("x")
        batch_op.drop_column("lon")
        batch_op.drop_column("lat")

    op.drop_table("boundaries")
