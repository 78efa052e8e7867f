"""what each edition did: provider events, clicks, replay-proof webhook signatures, send pauses

Revision ID: 0004_h8_engagement
Revises: 0004_h7_desk
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h8_engagement"
down_revision = "0004_h7_desk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "email_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=128), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=True),
        sa.Column("subscriber_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("machine", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_email_events_event_key")),
    )
    op.create_index("ix_email_events_edition_event", "email_events", ["edition_id", "event"])
    op.create_index("ix_email_events_subscriber", "email_events", ["subscriber_id"])
    op.create_table(
        "clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("machine_reason", sa.String(length=32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
    )
    op.create_index("ix_clicks_edition", "clicks", ["edition_id", "subscriber_id"])
    op.create_index("ix_clicks_subscriber", "clicks", ["subscriber_id"])
    op.create_table(
        "webhook_signatures",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_webhook_signatures")),
    )
    op.create_table(
        "edition_pauses",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved", sa.String(length=16), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_edition_pauses_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("edition_id", name=op.f("pk_edition_pauses")),
    )
    op.create_table(
        "edition_stories",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_edition_stories_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"], ["items.id"], name=op.f("fk_edition_stories_item_id_items"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("edition_id", "item_id", name=op.f("pk_edition_stories")),
    )
    op.create_table(
        "forgotten_deliveries",
        sa.Column("edition_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["edition_id"],
            ["editions.id"],
            name=op.f("fk_forgotten_deliveries_edition_id_editions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "edition_id", "subscriber_id", "channel", name=op.f("pk_forgotten_deliveries")
        ),
    )


def downgrade() -> None:
    op.drop_table("forgotten_deliveries")
    op.drop_table("edition_stories")
    op.drop_table("edition_pauses")
    op.drop_table("webhook_signatures")
    op.drop_index("ix_clicks_subscriber", table_name="clicks")
    op.drop_index("ix_clicks_edition", table_name="clicks")
    op.drop_table("clicks")
    op.drop_index("ix_email_events_subscriber", table_name="email_events")
    op.drop_index("ix_email_events_edition_event", table_name="email_events")
    op.drop_table("email_events")
