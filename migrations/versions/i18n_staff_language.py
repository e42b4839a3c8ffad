"""Each staff member may choose the language of their screens; empty follows the store.

Revision ID: i18n_staff_language
Revises: b11_size_pick
Create Date: 2026-12-03 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "i18n_staff_language"
down_revision = "b11_size_pick"
branch_labels = None
depends_on = None


def upgrade():
    # Existing members keep following their store's language: NULL is the backfill.
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade():
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("language")
