"""the public archive: private lists, and each variant's headlines

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
    with op.batch_alter_table("edition_variants") as batch:
        batch.add_column(sa.Column("headlines", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("edition_variants") as batch:
        batch.drop_column("headlines")
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("archive")
