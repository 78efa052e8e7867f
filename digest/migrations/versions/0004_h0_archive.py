"""the public archive (private lists, each variant's headlines), list descriptions, the
editors' words, and why readers leave

Revision ID: 0004_h0_archive
Revises: 0003
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h0_archive"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lists") as batch:
        batch.add_column(sa.Column("archive", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("description", sa.String(length=500), nullable=False, server_default=""))
    with op.batch_alter_table("edition_variants") as batch:
        batch.add_column(sa.Column("headlines", sa.JSON(), nullable=True))
    op.create_table(
        "editors_words",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("preheader", sa.String(length=300), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("set_by", sa.String(length=320), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_editors_words_list_id_lists"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("list_id", name=op.f("pk_editors_words")),
    )
    op.create_table(
        "unsubscribe_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["lists.id"], name=op.f("fk_unsubscribe_reasons_list_id_lists"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unsubscribe_reasons")),
    )


def downgrade() -> None:
    op.drop_table("unsubscribe_reasons")
    op.drop_table("editors_words")
    with op.batch_alter_table("edition_variants") as batch:
        batch.drop_column("headlines")
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("description")
        batch.drop_column("archive")
