"""Telegram groups and channels that refused the bot; when `digest retry` re-opened an edition

Revision ID: 0004_h1_delivery_policy
Revises: 0004_h8_engagement
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h1_delivery_policy"
down_revision = "0004_h8_engagement"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chat_failures",
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_chat_failures")),
    )
    op.create_table(
        "edition_retries",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_edition_retries_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("edition_id", name=op.f("pk_edition_retries")),
    )


def downgrade() -> None:
    op.drop_table("edition_retries")
    op.drop_table("chat_failures")
