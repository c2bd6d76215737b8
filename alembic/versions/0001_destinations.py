"""Provinces, destinations, opening periods and search terms.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument
from geo.migration_ops import add_point_column, drop_point_column, init_spatial_metadata

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    init_spatial_metadata()
    op.create_table(
        "province",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", JSONDocument, nullable=False),
    )
    op.create_table(
        "destination",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("slug", sa.String(120), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("category", sa.String(32), nullable=False, index=True),
        sa.Column("heritage_ranking", sa.String(32), nullable=True, index=True),
        sa.Column("province_code", sa.String(40), sa.ForeignKey("province.code"),
                  nullable=False, index=True),
        sa.Column("district", sa.String(120), nullable=True),
        sa.Column("name", JSONDocument, nullable=False),
        sa.Column("description", JSONDocument, nullable=False),
        sa.Column("address", JSONDocument, nullable=False),
        sa.Column("opening_hours", JSONDocument, nullable=True),
        sa.Column("prices", JSONDocument, nullable=False),
        sa.Column("contact", JSONDocument, nullable=False),
        sa.Column("accessibility", JSONDocument, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    add_point_column("destination", "location")
    op.create_table(
        "opening_period",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("weekday", sa.SmallInteger, nullable=False),
        sa.Column("opens_minute", sa.SmallInteger, nullable=False),
        sa.Column("closes_minute", sa.SmallInteger, nullable=False),
    )
    op.create_index("ix_opening_period_slot", "opening_period",
                    ["weekday", "opens_minute", "closes_minute"])
    op.create_table(
        "search_term",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True,
                  index=True),
        sa.Column("term", sa.String(80), primary_key=True),
        sa.Column("is_variant", sa.Boolean, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("field_tokens", sa.SmallInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("search_term")
    op.drop_index("ix_opening_period_slot", table_name="opening_period")
    op.drop_table("opening_period")
    drop_point_column("destination", "location")
    op.drop_table("destination")
    op.drop_table("province")
