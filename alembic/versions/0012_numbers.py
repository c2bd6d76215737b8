"""One home for what visitors use: `usage_count` counts scans, narration plays and tour views
by day, kind, site, target, code, language and channel; it replaces `qr_scan_count`, whose
rows move over as scans of the site their target belongs to (the days stay as they were
counted; rows whose target is gone are dropped, as the statistics could not show them).

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: The site of a scan's target, in the old table's rows.
_SITE = """CASE s.target_kind
    WHEN 'destination' THEN (SELECT d.id FROM destination d WHERE d.id = s.target_id)
    WHEN 'stop' THEN (SELECT st.destination_id FROM stop st WHERE st.id = s.target_id)
    WHEN 'scene' THEN (SELECT t.destination_id FROM scene sc JOIN tour t ON t.id = sc.tour_id
                       WHERE sc.id = s.target_id)
  END"""


def upgrade() -> None:
    op.create_table(
        "usage_count",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),
        sa.Column("destination_id", sa.Integer,
                  sa.ForeignKey("destination.id", ondelete="CASCADE"), primary_key=True,
                  index=True),
        sa.Column("target_kind", sa.String(16), primary_key=True),
        sa.Column("target_id", sa.Integer, primary_key=True),
        sa.Column("qr_code_id", sa.Integer, primary_key=True),
        sa.Column("lang", sa.String(35), primary_key=True),
        sa.Column("channel", sa.String(8), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.execute(f"""INSERT INTO usage_count (day, kind, destination_id, target_kind, target_id,
                                           qr_code_id, lang, channel, count)
        SELECT day, 'scan', site, target_kind, target_id, qr_code_id, lang, channel, count
        FROM (SELECT s.*, {_SITE} AS site FROM qr_scan_count s) AS moved
        WHERE site IS NOT NULL""")
    op.drop_table("qr_scan_count")


def downgrade() -> None:
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
    op.execute("""INSERT INTO qr_scan_count (day, qr_code_id, target_kind, target_id, lang,
                                             channel, count)
        SELECT day, qr_code_id, target_kind, target_id, lang, channel, SUM(count)
        FROM usage_count
        WHERE kind = 'scan' AND qr_code_id IN (SELECT id FROM qr_code)
        GROUP BY day, qr_code_id, target_kind, target_id, lang, channel""")
    op.drop_table("usage_count")
