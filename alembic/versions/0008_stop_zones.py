"""Trigger zones of stops: a geodesic circle (centre and radius) or a polygon, with the
geometry the spatial index holds (R*Tree on SpatiaLite, GiST on PostGIS).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from geo.migration_ops import add_geometry_column, drop_geometry_column

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("stop", sa.Column("zone_kind", sa.String(16), nullable=True))
    op.add_column("stop", sa.Column("zone_radius_m", sa.Float, nullable=True))
    add_geometry_column("stop", "zone_center", "POINT", spatial_index=False, nullable=True)
    add_geometry_column("stop", "zone", "GEOMETRY", nullable=True)


def downgrade() -> None:
    drop_geometry_column("stop", "zone")
    drop_geometry_column("stop", "zone_center", spatial_index=False)
    op.drop_column("stop", "zone_radius_m")
    op.drop_column("stop", "zone_kind")
