"""When each text of a destination last changed, per language, and who wrote it (original,
human or machine translation): what the console marks stale.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch copy would drop SpatiaLite's geometry registration
    op.add_column("destination", sa.Column("text_meta", JSONDocument, nullable=False,
                                           server_default=sa.text("'{}'")))


def downgrade() -> None:
    op.drop_column("destination", "text_meta")
