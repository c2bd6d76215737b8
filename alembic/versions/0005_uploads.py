"""One upload flow: a presigned upload records its subject and when it was claimed.

Listing photos and narrations are uploaded through media_object too from now on; photo
uploads still pending at upgrade are recorded there so that they can be confirmed.

Revision ID: 0005
Revises: 0004
"""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
PHOTO_PURPOSE = "listing-photo"
PHOTO_MAX_BYTES = 15 * 1024 * 1024
UPLOAD_EXPIRY = timedelta(seconds=600)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def upgrade() -> None:
    with op.batch_alter_table("media_object") as batch:
        batch.add_column(sa.Column("subject", JSONDocument, nullable=True))
        batch.add_column(sa.Column("claimed_at", TZ, nullable=True))
    media_object = sa.table(
        "media_object", sa.column("key", sa.String), sa.column("purpose", sa.String),
        sa.column("status", sa.String), sa.column("content_type", sa.String),
        sa.column("max_bytes", sa.BigInteger), sa.column("subject", JSONDocument),
        sa.column("created_by", sa.Integer), sa.column("created_at", TZ),
        sa.column("expires_at", TZ))
    photo = sa.table(
        "listing_photo", sa.column("upload_key", sa.String), sa.column("status", sa.String),
        sa.column("content_type", sa.String), sa.column("destination_id", sa.Integer),
        sa.column("uploaded_by", sa.Integer), sa.column("created_at", TZ))
    pending = op.get_bind().execute(
        sa.select(photo.c.upload_key, photo.c.content_type, photo.c.destination_id,
                  photo.c.uploaded_by, photo.c.created_at)
        .where(photo.c.status == "uploading")).all()
    if pending:
        op.bulk_insert(media_object, [
            {"key": key, "purpose": PHOTO_PURPOSE, "status": "pending",
             "content_type": content_type, "max_bytes": PHOTO_MAX_BYTES,
             "subject": {"destination_id": destination_id}, "created_by": uploaded_by,
             "created_at": _aware(created_at),
             "expires_at": _aware(created_at) + UPLOAD_EXPIRY}
            for key, content_type, destination_id, uploaded_by, created_at in pending])


def downgrade() -> None:
    media_object = sa.table("media_object", sa.column("purpose", sa.String))
    op.execute(media_object.delete().where(
        media_object.c.purpose.in_([PHOTO_PURPOSE, "narration"])))
    with op.batch_alter_table("media_object") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("subject")
