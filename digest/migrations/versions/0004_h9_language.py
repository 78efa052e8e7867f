"""each list's language (what its editions and reader pages speak)

Revision ID: 0004_h9_language
Revises: 0004_h1_delivery_policy
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h9_language"
down_revision = "0004_h1_delivery_policy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lists") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("language")
