"""the editors' desk: an editor's time zone and Telegram chat for test sends; paused feeds

Revision ID: 0004_h7_desk
Revises: 0004_h2_confirmations
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h7_desk"
down_revision = "0004_h2_confirmations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("editors") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False))
        batch.add_column(sa.Column("telegram_chat_id", sa.String(length=64), nullable=True))
    op.create_table(
        "feed_pauses",
        sa.Column("feed_id", sa.Integer(), nullable=False),
        sa.Column("paused_by", sa.String(length=400), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feed_id"], ["feeds.id"], name=op.f("fk_feed_pauses_feed_id_feeds"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("feed_id", name=op.f("pk_feed_pauses")),
    )


def downgrade() -> None:
    op.drop_table("feed_pauses")
    with op.batch_alter_table("editors") as batch:
        batch.drop_column("telegram_chat_id")
        batch.drop_column("time_zone")
