"""Narrations in several formats: the same recording as MP3 or AAC beside the Ogg it was first
given in (`narration.alternatives`, a JSON list; empty for every narration made before).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("narration") as batch:
        batch.add_column(sa.Column("alternatives", JSONDocument, nullable=False,
                                   server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("narration") as batch:
        batch.drop_column("alternatives")
