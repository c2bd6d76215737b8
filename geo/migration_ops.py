"""Geometry columns and spatial indexes in migrations, one function per dialect side by side."""

from __future__ import annotations

from alembic import op


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def init_spatial_metadata() -> None:
    """Create SpatiaLite's metadata tables, or PostGIS when absent (an existing extension is
    left alone, so that migrations need no superuser)."""
    if _is_sqlite():
        present = op.get_bind().exec_driver_sql(
            "SELECT count(*) FROM sqlite_master WHERE name = 'spatial_ref_sys'"
        ).scalar()
        if not present:
            op.execute("SELECT InitSpatialMetadata(1, 'WGS84')")
    else:
        # Creating PostGIS needs a superuser: in production the database's admin role creates
        # it once (README, Deploy) and migrations run as a role that owns only its tables.
        present = op.get_bind().exec_driver_sql(
            "SELECT count(*) FROM pg_extension WHERE extname = 'postgis'"
        ).scalar()
        if not present:
            op.execute("CREATE EXTENSION postgis")


def add_point_column(table: str, column: str, *, geography_index: bool = True,
                     nullable: bool = False) -> None:
    """Add a POINT(4326) column (NOT NULL unless asked) with its spatial index (R*Tree or
    GiST)."""
    if _is_sqlite():
        not_null = 0 if nullable else 1
        op.execute(f"SELECT AddGeometryColumn('{table}', '{column}', 4326, 'POINT', 'XY', "
                   f"{not_null})")
        op.execute(f"SELECT CreateSpatialIndex('{table}', '{column}')")
        return
    constraint = "" if nullable else " NOT NULL"
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column} geometry(Point, 4326){constraint}")
    op.execute(f"CREATE INDEX ix_{table}_{column} ON {table} USING gist ({column})")
    if geography_index:
        # Nearest-first (KNN) and metre radii run on the geography of the point.
        op.execute(
            f"CREATE INDEX ix_{table}_{column}_geog ON {table} "
            f"USING gist (({column}::geography))"
        )


def drop_point_column(table: str, column: str) -> None:
    """Drop a column made by add_point_column, with its index."""
    if _is_sqlite():
        op.execute(f"SELECT DisableSpatialIndex('{table}', '{column}')")
        op.execute(f"DROP TABLE IF EXISTS idx_{table}_{column}")
        op.execute(f"SELECT DiscardGeometryColumn('{table}', '{column}')")
        return
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
