"""subscriber ids never reused, links bound to their subscriber, deliveries kept on delete

SQLite reuses the highest rowid after a delete unless the table is AUTOINCREMENT: the
subscribers table is rebuilt with it (batch mode; ``digest.store.db.migrate`` turns foreign
keys off meanwhile, so the rebuild cascades nothing). Every subscriber gets a random
``link_token`` signed into their links; the rows that exist now keep accepting the links
already sent (``legacy_links``). A delivery's subscriber becomes nullable, set NULL when the
subscriber is deleted, so past editions keep their figures.

Revision ID: 0004_h3_ids_links
Revises: 0004_h0_archive
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h3_ids_links"
down_revision = "0004_h0_archive"  # chained after main's 0004_h0_archive at the merge
branch_labels = None
depends_on = None

FK = "fk_deliveries_subscriber_id_subscribers"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "subscribers", recreate="always" if sqlite else "auto", table_kwargs={"sqlite_autoincrement": True}
    ) as batch:
        batch.add_column(sa.Column("link_token", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("legacy_links", sa.Boolean(), nullable=False, server_default=sa.true()))
    random = "lower(hex(randomblob(8)))" if sqlite else "substr(md5(gen_random_uuid()::text), 1, 16)"
    op.execute(f"UPDATE subscribers SET link_token = {random}")
    with op.batch_alter_table("subscribers", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.alter_column("link_token", existing_type=sa.String(length=32), nullable=False)
        # New rows are not legacy: the default lives in the code (store/tables/readers.py), not the schema.
        batch.alter_column("legacy_links", existing_type=sa.Boolean(), server_default=None)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.alter_column("subscriber_id", existing_type=sa.Integer(), nullable=True)
        batch.create_foreign_key(FK, "subscribers", ["subscriber_id"], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE subscriber_id IS NULL")
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_constraint(FK, type_="foreignkey")
        batch.alter_column("subscriber_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(FK, "subscribers", ["subscriber_id"], ["id"], ondelete="CASCADE")
    with op.batch_alter_table("subscribers") as batch:
        batch.drop_column("legacy_links")
        batch.drop_column("link_token")
