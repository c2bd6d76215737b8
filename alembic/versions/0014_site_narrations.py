"""Site narrations: a narration tells of a stop or of a whole site (`narration.destination_id`,
what the site's own code plays), exactly one of the two.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("narration") as batch:
        batch.add_column(sa.Column(
            "destination_id", sa.Integer,
            sa.ForeignKey("destination.id", ondelete="CASCADE",
                          name="fk_narration_destination_id_destination"), nullable=True))
        batch.alter_column("stop_id", existing_type=sa.Integer, nullable=True)
        batch.create_index("ix_narration_destination_id", ["destination_id"])
        batch.create_unique_constraint("uq_narration_destination_id", ["destination_id", "lang"])
        batch.create_check_constraint(op.f("ck_narration_one_subject"),
                                      "(stop_id IS NULL) <> (destination_id IS NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM narration WHERE stop_id IS NULL")
    with op.batch_alter_table("narration") as batch:
        batch.drop_constraint(op.f("ck_narration_one_subject"), type_="check")
        batch.drop_constraint("uq_narration_destination_id", type_="unique")
        batch.drop_index("ix_narration_destination_id")
        batch.alter_column("stop_id", existing_type=sa.Integer, nullable=False)
        batch.drop_column("destination_id")
