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
    add_geometry_column(table, column, "POINT", geography_index=geography_index,
                        nullable=nullable)


def add_geometry_column(table: str, column: str, geometry_type: str, *,
                        spatial_index: bool = True, geography_index: bool = False,
                        nullable: bool = False) -> None:
    """Add a geometry column of a type (POINT, POLYGON, GEOMETRY...) in SRID 4326, NOT NULL
    unless asked, with its spatial index (R*Tree or GiST) unless asked not to."""
    if _is_sqlite():
        not_null = 0 if nullable else 1
        op.execute(f"SELECT AddGeometryColumn('{table}', '{column}', 4326, '{geometry_type}', "
                   f"'XY', {not_null})")
        if spatial_index:
            op.execute(f"SELECT CreateSpatialIndex('{table}', '{column}')")
        return
    constraint = "" if nullable else " NOT NULL"
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column} "
               f"geometry({geometry_type}, 4326){constraint}")
    if spatial_index:
        op.execute(f"CREATE INDEX ix_{table}_{column} ON {table} USING gist ({column})")
    if geography_index:
        # Nearest-first (KNN) and metre radii run on the geography of the point.
        op.execute(
            f"CREATE INDEX ix_{table}_{column}_geog ON {table} "
            f"USING gist (({column}::geography))"
        )


def drop_point_column(table: str, column: str) -> None:
    """Drop a column made by add_point_column, with its index."""
    drop_geometry_column(table, column)


def drop_geometry_column(table: str, column: str, *, spatial_index: bool = True) -> None:
    """Drop a column made by add_geometry_column, with its index (on SpatiaLite its triggers
    and catalogue row too, then the column itself)."""
    if _is_sqlite():
        if spatial_index:
            op.execute(f"SELECT DisableSpatialIndex('{table}', '{column}')")
            op.execute(f"DROP TABLE IF EXISTS idx_{table}_{column}")
        op.execute(f"SELECT DiscardGeometryColumn('{table}', '{column}')")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        return
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
