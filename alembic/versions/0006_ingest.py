"""Ingest as a job: a panorama is recorded PENDING from its upload and tiled by the tiler.

Rows made before are READY and own their tiles. Until READY a row has no digest and no sizes;
several rows may show one image, the one whose `tiles_claim` is its digest owns the tiles.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
#: Columns known only once the image is read (NOT NULL before this revision).
MEASURED = (("sha256", sa.String(64)), ("source_format", sa.String(8)),
            ("source_bytes", sa.BigInteger()), ("width", sa.Integer()),
            ("height", sa.Integer()), ("face_size", sa.Integer()), ("tile_size", sa.Integer()),
            ("levels", sa.SmallInteger()), ("fallback_size", sa.Integer()),
            ("tile_count", sa.Integer()), ("byte_size", sa.BigInteger()),
            ("fallback_bytes", sa.BigInteger()))


def upgrade() -> None:
    with op.batch_alter_table("panorama") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False,
                                   server_default="ready"))
        batch.add_column(sa.Column("failure", sa.String(40), nullable=True))
        batch.add_column(sa.Column("upload_key", sa.String(512), nullable=True))
        batch.add_column(sa.Column("lease_until", TZ, nullable=True))
        batch.add_column(sa.Column("tiles_claim", sa.String(64), nullable=True))
        batch.drop_constraint("uq_panorama_sha256", type_="unique")
        for name, kind in MEASURED:
            batch.alter_column(name, existing_type=kind, nullable=True)
        batch.alter_column("level_bytes", existing_type=JSONDocument, nullable=True)
        batch.create_unique_constraint("uq_panorama_upload_key", ["upload_key"])
        batch.create_unique_constraint("uq_panorama_tiles_claim", ["tiles_claim"])
        batch.create_index("ix_panorama_sha256", ["sha256"])
    panorama = sa.table("panorama", sa.column("sha256", sa.String),
                        sa.column("tiles_claim", sa.String))
    op.execute(panorama.update().values(tiles_claim=panorama.c.sha256))


def downgrade() -> None:
    panorama = sa.table("panorama", sa.column("status", sa.String),
                        sa.column("tiles_claim", sa.String), sa.column("id", sa.Integer))
    scene = sa.table("scene", sa.column("panorama_id", sa.Integer))
    # What was never tiled (or only shows another row's tiles) cannot be kept without a digest.
    unowned = sa.select(panorama.c.id).where(sa.or_(panorama.c.status != "ready",
                                                    panorama.c.tiles_claim.is_(None)))
    op.execute(scene.delete().where(scene.c.panorama_id.in_(unowned)))
    op.execute(panorama.delete().where(sa.or_(panorama.c.status != "ready",
                                              panorama.c.tiles_claim.is_(None))))
    with op.batch_alter_table("panorama") as batch:
        batch.drop_index("ix_panorama_sha256")
        batch.drop_constraint("uq_panorama_tiles_claim", type_="unique")
        batch.drop_constraint("uq_panorama_upload_key", type_="unique")
        for name, kind in MEASURED:
            batch.alter_column(name, existing_type=kind, nullable=False)
        batch.alter_column("level_bytes", existing_type=JSONDocument, nullable=False)
        batch.create_unique_constraint("uq_panorama_sha256", ["sha256"])
        batch.drop_column("tiles_claim")
        batch.drop_column("lease_until")
        batch.drop_column("upload_key")
        batch.drop_column("failure")
        batch.drop_column("status")
