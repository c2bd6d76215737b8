"""Rate buckets shared by every process: the per-client, per-account and QR limits and the
sign-in throttle hold across Lambda containers.

Revision "0007" follows "0006" (ingest jobs) once both are merged; on this branch alone it
follows "0005".

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_bucket",
        sa.Column("key", sa.String(320), primary_key=True),
        sa.Column("tokens", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("full_at", sa.Double(), nullable=False),
    )
    op.create_index("ix_rate_bucket_full_at", "rate_bucket", ["full_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_bucket_full_at", table_name="rate_bucket")
    op.drop_table("rate_bucket")
