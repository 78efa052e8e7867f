"""the edition page counts suppressed recipients: who an edition would have emailed but for the
suppression list, recorded when it is planned

Revision ID: 0006_h14c_suppressed
Revises: 0005_h14_feed_success
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_h14c_suppressed"
down_revision = "0005_h14_feed_success"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "suppressed_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_suppressed_recipients_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_suppressed_recipients_list_id_lists"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_suppressed_recipients_subscriber_id_subscribers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressed_recipients")),
        sa.UniqueConstraint(
            "list_id", "subscriber_id", "channel", "period", name="uq_suppressed_recipients_period"
        ),
    )
    op.create_index("ix_suppressed_recipients_edition", "suppressed_recipients", ["edition_id"])


def downgrade() -> None:
    op.drop_table("suppressed_recipients")
