"""Guided stops, narrations, QR codes and scan counts.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stop",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("title", JSONDocument, nullable=False),
        sa.Column("text", JSONDocument, nullable=False),
        sa.Column("viewpoint_scene_id", sa.Integer,
                  sa.ForeignKey("scene.id", ondelete="SET NULL"), nullable=True, index=True),
        sa.Column("viewpoint_yaw", sa.Float, nullable=True),
        sa.Column("viewpoint_pitch", sa.Float, nullable=True),
        sa.Column("viewpoint_hfov", sa.Float, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_stop_route", "stop", ["destination_id", "position"])
    op.create_table(
        "narration",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("stop_id", sa.Integer, sa.ForeignKey("stop.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("lang", sa.String(35), nullable=False),
        sa.Column("audio_key", sa.String(512), nullable=False),
        sa.Column("audio_type", sa.String(32), nullable=False),
        sa.Column("audio_codec", sa.String(16), nullable=False),
        sa.Column("audio_bytes", sa.Integer, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("transcript_key", sa.String(512), nullable=False),
        sa.Column("transcript_text", sa.Text, nullable=False),
        sa.Column("translation", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("stop_id", "lang", name="uq_narration_stop_id"),
    )
    op.create_table(
        "qr_code",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("stop_id", sa.Integer, sa.ForeignKey("stop.id", ondelete="SET NULL"),
                  nullable=True, index=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="SET NULL"), nullable=True, index=True),
        sa.Column("scene_id", sa.Integer, sa.ForeignKey("scene.id", ondelete="SET NULL"),
                  nullable=True, index=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "qr_scan_count",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("qr_code_id", sa.Integer, sa.ForeignKey("qr_code.id", ondelete="CASCADE"),
                  primary_key=True, index=True),
        sa.Column("target_kind", sa.String(16), primary_key=True),
        sa.Column("target_id", sa.Integer, primary_key=True),
        sa.Column("lang", sa.String(35), primary_key=True),
        sa.Column("channel", sa.String(8), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("qr_scan_count")
    op.drop_table("qr_code")
    op.drop_table("narration")
    op.drop_index("ix_stop_route", table_name="stop")
    op.drop_table("stop")
