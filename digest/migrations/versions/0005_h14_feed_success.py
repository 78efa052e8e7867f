"""the desk's truthful health: a feed's last success apart from its last attempt; how and
when each reader gave consent

Revision ID: 0005_h14_feed_success
Revises: 0004_h9_language
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_h14_feed_success"
down_revision = "0004_h9_language"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds") as batch:
        batch.add_column(sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True))
    # A feed whose last attempt left no error succeeded then; one that is failing has no known
    # last success (the old column was overwritten by each failure).
    op.execute("UPDATE feeds SET last_success_at = last_fetched_at WHERE last_error IS NULL")
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["subscribers.id"],
            name=op.f("fk_consents_subscriber_id_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index("ix_consents_subscriber", "consents", ["subscriber_id"])


def downgrade() -> None:
    op.drop_table("consents")
    with op.batch_alter_table("feeds") as batch:
        batch.drop_column("last_success_at")
