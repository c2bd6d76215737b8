"""Media objects, panoramas, tours, scenes and hotspots.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument
from geo.migration_ops import add_point_column, drop_point_column

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "media_object",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(512), nullable=False, unique=True),
        sa.Column("purpose", sa.String(32), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content_type", sa.String(80), nullable=False),
        sa.Column("max_bytes", sa.BigInteger, nullable=False),
        sa.Column("byte_size", sa.BigInteger, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("created_by", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "panorama",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("source_format", sa.String(8), nullable=False),
        sa.Column("source_bytes", sa.BigInteger, nullable=False),
        sa.Column("width", sa.Integer, nullable=False),
        sa.Column("height", sa.Integer, nullable=False),
        sa.Column("face_size", sa.Integer, nullable=False),
        sa.Column("tile_size", sa.Integer, nullable=False),
        sa.Column("levels", sa.SmallInteger, nullable=False),
        sa.Column("fallback_size", sa.Integer, nullable=False),
        sa.Column("tile_count", sa.Integer, nullable=False),
        sa.Column("byte_size", sa.BigInteger, nullable=False),
        sa.Column("level_bytes", JSONDocument, nullable=False),
        sa.Column("fallback_bytes", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tour",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("title", JSONDocument, nullable=False),
        sa.Column("description", JSONDocument, nullable=False),
        sa.Column("floor_plan_key", sa.String(512), nullable=True),
        sa.Column("auto_rotate", sa.Float, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "scene",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tour_id", sa.Integer, sa.ForeignKey("tour.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("panorama_id", sa.Integer, sa.ForeignKey("panorama.id"),
                  nullable=False, index=True),
        sa.Column("position", sa.SmallInteger, nullable=False),
        sa.Column("title", JSONDocument, nullable=False),
        sa.Column("floor_plan_x", sa.Float, nullable=True),
        sa.Column("floor_plan_y", sa.Float, nullable=True),
        sa.Column("north_offset", sa.Float, nullable=False),
        sa.Column("initial_yaw", sa.Float, nullable=False),
        sa.Column("initial_pitch", sa.Float, nullable=False),
        sa.Column("initial_hfov", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    add_point_column("scene", "location", nullable=True)  # floor-plan scenes may have none
    op.create_table(
        "hotspot",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scene_id", sa.Integer, sa.ForeignKey("scene.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("yaw", sa.Float, nullable=False),
        sa.Column("pitch", sa.Float, nullable=False),
        sa.Column("text", JSONDocument, nullable=False),
        sa.Column("target_scene_id", sa.Integer,
                  sa.ForeignKey("scene.id", ondelete="CASCADE"), nullable=True, index=True),
        sa.Column("target_yaw", sa.Float, nullable=True),
        sa.Column("target_pitch", sa.Float, nullable=True),
        sa.Column("target_hfov", sa.Float, nullable=True),
        sa.Column("stop_id", sa.Integer, nullable=True, index=True),
        sa.Column("url", sa.String(1000), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("hotspot")
    drop_point_column("scene", "location")
    op.drop_table("scene")
    op.drop_table("tour")
    op.drop_table("panorama")
    op.drop_table("media_object")
