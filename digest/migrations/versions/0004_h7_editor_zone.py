"""the time zone an editor reads the desk in, and their own Telegram chat for test sends

Revision ID: 0004_h7_editor_zone
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h7_editor_zone"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("editors") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False))
        batch.add_column(sa.Column("telegram_chat_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("editors") as batch:
        batch.drop_column("telegram_chat_id")
        batch.drop_column("time_zone")
