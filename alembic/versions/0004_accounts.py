"""Accounts, tokens, API keys, listing changes and their audit trail.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from core.base import JSONDocument

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _account_fk(nullable: bool = False, **kwargs: bool) -> sa.Column[int]:
    return sa.Column("account_id", sa.Integer, sa.ForeignKey("account.id", ondelete="CASCADE"),
                     nullable=nullable, **kwargs)


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(32), primary_key=True),
        _account_fk(index=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("revoked_reason", sa.String(32), nullable=True),
    )
    op.create_table(
        "refresh_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.String(32),
                  sa.ForeignKey("auth_session.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("expires_at", TZ, nullable=False),
        sa.Column("rotated_at", TZ, nullable=True),
    )
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False, unique=True),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_table(
        "destination_owner",
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True),
        _account_fk(primary_key=True, index=True),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "listing_change",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("proposed_by", sa.Integer, sa.ForeignKey("account.id"), nullable=False,
                  index=True),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("fields", JSONDocument, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("reason", sa.String(1000), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("account.id"), nullable=True),
        sa.Column("result_version", sa.Integer, nullable=True),
    )
    op.create_index("uq_listing_change_pending", "listing_change", ["destination_id"],
                    unique=True, sqlite_where=sa.text("status = 'pending'"),
                    postgresql_where=sa.text("status = 'pending'"))
    op.create_table(
        "listing_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("snapshot", JSONDocument, nullable=False),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("listing_change.id"), nullable=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("account.id"), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("destination_id", "version",
                            name="uq_listing_version_destination_version"),
    )
    op.create_table(
        "listing_photo",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=False,
                  index=True),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("account.id"), nullable=False,
                  index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("upload_key", sa.String(300), nullable=False, unique=True),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("digest", sa.String(64), nullable=True),
        sa.Column("width", sa.Integer, nullable=True),
        sa.Column("height", sa.Integer, nullable=True),
        sa.Column("variants", JSONDocument, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False, index=True),
        sa.Column("actor_account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), nullable=True,
                  index=True),
        sa.Column("change_id", sa.Integer, sa.ForeignKey("listing_change.id"), nullable=True),
        sa.Column("detail", JSONDocument, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("audit_event")
    op.drop_table("listing_photo")
    op.drop_table("listing_version")
    op.drop_index("uq_listing_change_pending", table_name="listing_change")
    op.drop_table("listing_change")
    op.drop_table("destination_owner")
    op.drop_table("api_key")
    op.drop_table("refresh_token")
    op.drop_table("auth_session")
    op.drop_table("account")
