"""confirmation links, each usable once

Revision ID: 0004_h2_confirmations
Revises: 0004_h3_ids_links
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h2_confirmations"
down_revision = "0004_h3_ids_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "confirmations",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_confirmations_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_confirmations")),
    )
    op.create_index("ix_confirmations_subscriber", "confirmations", ["subscriber_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_confirmations_subscriber", table_name="confirmations")
    op.drop_table("confirmations")
