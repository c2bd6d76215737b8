"""The spatial part of the schema: the point columns' indexes as the models declare them, and
the spatial extensions' own objects, which the models do not describe and autogenerate (the
comparison of models and migrations) leaves alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Index, text

POSTGRESQL = "postgresql"

# SpatiaLite's metadata tables (InitSpatialMetaData), matched by prefix: the geometry and
# reference-system catalogues (and their _auth, _statistics, _field_infos, _time, _aux
# companions), spatial views and virtual tables, its history and statement log, its licence
# list, and its virtual tables for spatial index queries, nearest neighbours and exploded
# geometries. The idx_<table>_<column> tables are the R*Tree of a point column that
# CreateSpatialIndex makes (SpatiaLite's own form of the GiST indexes below).
SPATIALITE_TABLE_PREFIXES = (
    "geometry_columns", "spatial_ref_sys", "views_geometry_columns", "virts_geometry_columns",
    "spatialite_history", "sql_statements_log", "data_licenses", "SpatialIndex", "KNN",
    "ElementaryGeometries", "idx_",
)
# PostGIS's catalogue of reference systems, a plain table the extension owns.
POSTGIS_TABLES = frozenset({"spatial_ref_sys"})
# SQLite's own bookkeeping of AUTOINCREMENT keys.
SQLITE_TABLES = frozenset({"sqlite_sequence"})


def postgis_point_indexes(table: str, column: str, *, geography: bool = True
                          ) -> tuple[Index, ...]:
    """The GiST indexes that geo.migration_ops.add_point_column makes on PostgreSQL: on the
    geometry, and on its geography (metre radii, nearest first)."""
    indexes = [Index(f"ix_{table}_{column}", column, postgresql_using="gist",
                     info={"dialect": POSTGRESQL})]
    if geography:
        indexes.append(Index(f"ix_{table}_{column}_geog", text(f"({column}::geography)"),
                             postgresql_using="gist", info={"dialect": POSTGRESQL}))
    return tuple(index.ddl_if(dialect=POSTGRESQL) for index in indexes)


def _extension_table(dialect: str, name: str) -> bool:
    if dialect == "sqlite":
        return name in SQLITE_TABLES or name.startswith(SPATIALITE_TABLE_PREFIXES)
    return name in POSTGIS_TABLES


def include_object_for(dialect: str) -> Callable[[Any, str | None, str, bool, Any], bool]:
    """Alembic's include_object for a database of a dialect: everything but the spatial
    extension's own tables (and their indexes), and the models' indexes of other dialects."""

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool,
                       compare_to: Any) -> bool:
        if type_ == "table" and name is not None:
            return not _extension_table(dialect, name)
        if type_ == "index":
            if _extension_table(dialect, obj.table.name):
                return False
            only_on = obj.info.get("dialect")
            return only_on is None or only_on == dialect
        return True

    return include_object
