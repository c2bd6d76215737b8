"""Visitors' feedback (with tracking codes) and occupancy from people counters: the
`feedback` and `occupancy_hour` tables, and the site of a counter's API key.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument

TZ = sa.DateTime(timezone=True)

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tracking_code", sa.String(24), nullable=False, unique=True),
        sa.Column("destination_id", sa.Integer(),
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("qr_code_id", sa.Integer(),
                  sa.ForeignKey("qr_code.id", ondelete="SET NULL"), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("category", sa.String(24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("lang", sa.String(35), nullable=False),
        sa.Column("photo", JSONDocument, nullable=True),
        sa.Column("contact", sa.String(254), nullable=True),
        sa.Column("contact_purged_at", TZ, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assigned_to", sa.String(160), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", TZ, nullable=True),
        sa.Column("answered_by", sa.Integer(),
                  sa.ForeignKey("account.id", ondelete="SET NULL"), nullable=True),
        sa.Column("merged_into_id", sa.Integer(),
                  sa.ForeignKey("feedback.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("due_at", TZ, nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
    )
    for column in ("destination_id", "category", "status", "merged_into_id", "created_at"):
        op.create_index(f"ix_feedback_{column}", "feedback", [column])
    op.create_table(
        "occupancy_hour",
        sa.Column("destination_id", sa.Integer(),
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("counter_id", sa.Integer(),
                  sa.ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("hour", TZ, primary_key=True),
        sa.Column("readings", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("peak", sa.Integer(), nullable=False),
        sa.Column("last_count", sa.Integer(), nullable=False),
        sa.Column("last_at", TZ, nullable=False),
    )
    op.create_index("ix_occupancy_hour_counter_id", "occupancy_hour", ["counter_id"])
    with op.batch_alter_table("api_key") as batch:  # no geometry in api_key
        batch.add_column(sa.Column("destination_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_api_key_destination_id_destination", "destination",
                                 ["destination_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.drop_constraint("fk_api_key_destination_id_destination", type_="foreignkey")
        batch.drop_column("destination_id")
    op.drop_index("ix_occupancy_hour_counter_id", table_name="occupancy_hour")
    op.drop_table("occupancy_hour")
    for column in ("destination_id", "category", "status", "merged_into_id", "created_at"):
        op.drop_index(f"ix_feedback_{column}", table_name="feedback")
    op.drop_table("feedback")
